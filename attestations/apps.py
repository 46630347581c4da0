from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttestationsConfig(AppConfig):
    name = "attestations"
    verbose_name = _("Attestations")

    def ready(self) -> None:
        # Registration at start-up (Django's documented place): the outbox learns how to
        # send the copies of attestations without importing this app.
        from attestations.copies import register_copies
        from attestations.exports import register_sources

        register_copies()
        register_sources()
