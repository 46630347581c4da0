from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from appointments.callbacks import open_callbacks
from appointments.models import Office
from appointments.selectors import today_appointments
from attestations.selectors import dispatch_attention_count
from beneficiaries.models import Beneficiary, Commune, Cpas
from cainamur.permissions import STAFF_ROLES, RoleRequiredMixin, role_required
from cainamur.roles import Role
from parcours.selectors import work_queue

logger = logging.getLogger(__name__)

HOME_URL_NAMES: dict[Role, str] = {
    Role.RECEPTION: "home-reception",
    Role.CASEWORKER: "home-caseworker",
    Role.COORDINATOR: "home-coordinator",
    Role.ADMINISTRATOR: "home-administrator",
}


@role_required(*STAFF_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their main role."""
    role = request.user.primary_role  # type: ignore[union-attr]
    assert role is not None  # role_required let the user in
    return redirect(HOME_URL_NAMES[role])


class ReceptionHomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.RECEPTION,)
    template_name = "home/reception.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["offices"] = Office.objects.filter(id__in=user.office_ids)  # type: ignore[union-attr]
        context["recent_files"] = (
            Beneficiary.objects.visible_to(user)
            .select_related("office", "commune")
            .order_by("-created_at")[:8]
        )
        context["today_appointments"] = today_appointments(user)
        callbacks = open_callbacks(user)
        context["open_callbacks"] = callbacks[:8]
        context["open_callback_count"] = callbacks.count()
        return context


class CaseworkerHomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.CASEWORKER,)
    template_name = "home/caseworker.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mine = Beneficiary.objects.visible_to(self.request.user).filter(
            caseworker=self.request.user
        )
        context["my_file_count"] = mine.count()
        context["queue"] = work_queue(mine, today=timezone.localdate())
        context["my_files"] = mine.select_related("office", "commune").order_by("-updated_at")[:10]
        return context


class CoordinatorHomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.COORDINATOR,)
    template_name = "home/coordinator.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        offices = Office.objects.annotate(
            file_count=Count("beneficiaries"),
            unassigned_count=Count(
                "beneficiaries", filter=Q(beneficiaries__caseworker__isnull=True)
            ),
        ).order_by("-is_main", "name")
        context["offices"] = offices
        context["total_files"] = sum(office.file_count for office in offices)
        context["total_unassigned"] = sum(office.unassigned_count for office in offices)
        files = Beneficiary.objects.visible_to(self.request.user)
        office_id = self.request.GET.get("office", "")
        if office_id.isdigit():
            files = files.filter(office_id=int(office_id))
            context["selected_office"] = int(office_id)
        context["queue"] = work_queue(files, today=timezone.localdate())
        context["copies_attention"] = dispatch_attention_count(self.request.user)
        return context


class AdministratorHomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.ADMINISTRATOR,)
    template_name = "home/administrator.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["communes_without_email"] = Commune.objects.filter(population_email="").count()
        context["cpas_without_email"] = Cpas.objects.filter(email="").count()
        context["commune_count"] = Commune.objects.count()
        context["office_count"] = Office.objects.count()
        context["admin_links"] = [
            (reverse("admin:cainamur_user_changelist"), "bi-people", _("Personnel et rôles")),
            (reverse("admin:appointments_office_changelist"), "bi-building", _("Bureaux")),
            (reverse("admin:beneficiaries_commune_changelist"), "bi-geo-alt", _("Communes")),
            (reverse("admin:beneficiaries_cpas_changelist"), "bi-bank", _("CPAS")),
        ]
        return context


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Shown (429) instead of the login form while a username/address pair is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


# Django calls it with the keyword reason=: it keeps that name, unused here.
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:  # noqa: ARG001
    """A form sent with an expired or missing security token (often: a page left open)."""
    return render(request, "403_csrf.html", status=403)
