from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cainamur.roles import Role


class CaiAdminSite(admin.AdminSite):
    """The Django admin, for administrators only (reference data, users, roles)."""

    site_header = _("CAI Namur — administration")
    site_title = _("CAI Namur")
    index_title = _("Données de référence, personnel et rôles")

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """One door in: the application's login (its throttles, then the second factor)."""
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('login')}?{urlencode({'next': target})}")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_authenticated
            and user.is_active
            and user.is_staff
            and user.has_role(Role.ADMINISTRATOR)
        )


class ReadOnlyAdminMixin:
    """For records that change only through the application's services (history, ledger,
    assessments): the admin shows them and nothing else."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
