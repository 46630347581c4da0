from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Dossiers et communes")

    def ready(self) -> None:
        from beneficiaries.exports import register_sources
        from beneficiaries.page_links import register_messages

        register_sources()
        register_messages()
