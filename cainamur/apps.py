from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CainamurConfig(AppConfig):
    name = "cainamur"
    verbose_name = _("Personnel et rôles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cainamur import (
            checks,  # noqa: F401  (registers the system checks)
            session_timeout,  # noqa: F401  (stamps the login time)
            workers,
        )
        from cainamur.services import roles_sync

        post_migrate.connect(roles_sync, dispatch_uid="cainamur.roles_sync")
        workers.install()  # workers' heartbeat; broker failures counted for /health/


class CaiAdminConfig(AdminConfig):
    default_site = "cainamur.admin_site.CaiAdminSite"


class LoginLockoutsConfig(AxesAppConfig):
    """django-axes (failed logins and lockouts) under a French name in the admin, where
    its own name (« Axes ») reads as the path's axes."""

    verbose_name = _("Verrouillages de connexion")
