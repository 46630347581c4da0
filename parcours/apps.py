from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParcoursConfig(AppConfig):
    name = "parcours"
    verbose_name = _("Parcours d'intégration")

    def ready(self) -> None:
        # Registration at start-up (Django's documented place): a change to a fact the
        # obligation rules read, recorded in ``beneficiaries``, re-runs the assessment.
        from beneficiaries.filters import register_path_status_filter
        from beneficiaries.services import on_facts_changed
        from parcours.exports import register_sources
        from parcours.selectors import PathStatusFilter
        from parcours.services import obligation_assess

        on_facts_changed(obligation_assess)
        register_sources()
        # The file list filters files by the state of their path.
        register_path_status_filter(PathStatusFilter())
