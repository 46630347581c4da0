from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    name = "operators"
    verbose_name = _("Opérateurs partenaires")

    def ready(self) -> None:
        from operators.exports import register_sources

        register_sources()
