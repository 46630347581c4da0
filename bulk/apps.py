from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkConfig(AppConfig):
    name = "bulk"
    verbose_name = _("Actions groupées")

    def ready(self) -> None:
        # Registration at start-up (Django's documented place): the outbox learns how to
        # write the invitation to the welcome module without importing this app.
        from bulk.letters import register_messages

        register_messages()
