from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "reception"
    verbose_name = _("Permanences et rappels")

    def ready(self) -> None:
        from reception.exports import register_sources

        register_sources()
