from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Rendez-vous")

    def ready(self) -> None:
        # Registration at start-up (Django's documented place): the outbox learns how to
        # send confirmations and reminders without importing this app.
        from appointments.exports import register_sources
        from appointments.messages import register_messages

        register_messages()
        register_sources()
