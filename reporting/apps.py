from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Pilotage et rapports")

    def ready(self) -> None:
        # The file list shows the files behind a figure (« pilotage »): registered with
        # beneficiaries, a floor below, at start-up (Django's documented place).
        from beneficiaries import drilldown
        from reporting.drilldown import resolve

        drilldown.register(resolve)
