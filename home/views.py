from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from appointments.panels import panel as appointments_panel
from appointments.selectors import today_appointments
from attestations.panels import panel as attestations_panel
from attestations.selectors import dispatch_attention_count
from beneficiaries.models import Beneficiary, Commune, Cpas
from beneficiaries.panels import panel as beneficiaries_panel
from beneficiaries.selectors import scoped_files
from cainamur import reads
from cainamur.audit import file_trail
from cainamur.lib.http import is_id
from cainamur.lib.pagination import CappedCountPaginator
from cainamur.models import ReadEvent
from cainamur.permissions import (
    EDIT_ROLES,
    FILE_ROLES,
    STAFF_ROLES,
    AuthenticatedHttpRequest,
    RoleRequiredMixin,
    role_required,
)
from cainamur.reads import file_reads, recent_alerts
from cainamur.roles import Role
from compliance.panels import panel as compliance_panel
from home.counts import COUNTS_SECONDS, breaches_to_handle, files_per_office
from offices.models import Office
from operators.panels import panel as operators_panel
from parcours.panels import panel as parcours_panel
from parcours.selectors import work_queue
from reception.selectors import open_callbacks

logger = logging.getLogger(__name__)

# The file page shows this many lines of history, then « Voir tout l'historique ».
TIMELINE_LINES = 30

HOME_URL_NAMES: dict[Role, str] = {
    Role.RECEPTION: "home-reception",
    Role.CASEWORKER: "home-caseworker",
    Role.COORDINATOR: "home-coordinator",
    Role.ADMINISTRATOR: "home-administrator",
}


@role_required(*STAFF_ROLES)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each user to the home page of their main role."""
    role = request.user.primary_role
    assert role is not None  # role_required let the user in
    return redirect(HOME_URL_NAMES[role])


class ReceptionHomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.RECEPTION,)
    request: AuthenticatedHttpRequest
    template_name = "home/reception.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["offices"] = Office.objects.filter(id__in=user.office_ids)
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
    request: AuthenticatedHttpRequest
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
    request: AuthenticatedHttpRequest
    template_name = "home/coordinator.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts = files_per_office()
        offices = list(Office.objects.order_by("-is_main", "name"))
        for office in offices:
            office.file_count, office.unassigned_count = counts.value.get(office.pk, (0, 0))  # type: ignore[attr-defined]
        context["offices"] = offices
        context["counted_at"] = counts.at
        context["count_minutes"] = COUNTS_SECONDS // 60
        context["total_files"] = sum(files for files, _unassigned in counts.value.values())
        context["total_unassigned"] = sum(
            unassigned for _files, unassigned in counts.value.values()
        )
        files = Beneficiary.objects.visible_to(self.request.user)
        office_id = self.request.GET.get("office", "")
        selected = int(office_id) if is_id(office_id) else None
        if selected is not None:
            files = files.filter(office_id=selected)
            context["selected_office"] = selected
        today = timezone.localdate()
        context["queue"] = work_queue(files, today=today)
        context["copies_attention"] = dispatch_attention_count(self.request.user)
        breaches = breaches_to_handle(selected, today=today)
        context["breaches"] = breaches.value
        context["breaches_at"] = breaches.at
        context["read_alerts"] = recent_alerts()
        return context


class AdministratorHomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.ADMINISTRATOR,)
    request: AuthenticatedHttpRequest
    template_name = "home/administrator.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["communes_without_email"] = Commune.objects.filter(population_email="").count()
        context["cpas_without_email"] = Cpas.objects.filter(email="").count()
        context["commune_count"] = Commune.objects.count()
        context["office_count"] = Office.objects.count()
        context["admin_links"] = [
            (reverse("admin:cainamur_user_changelist"), "bi-people", _("Personnel et rôles")),
            (reverse("admin:offices_office_changelist"), "bi-building", _("Bureaux")),
            (reverse("admin:beneficiaries_commune_changelist"), "bi-geo-alt", _("Communes")),
            (reverse("admin:beneficiaries_cpas_changelist"), "bi-bank", _("CPAS")),
        ]
        return context


class FileView(RoleRequiredMixin, DetailView):
    """The file page: each app contributes its panel."""

    allowed_roles = FILE_ROLES
    request: AuthenticatedHttpRequest
    template_name = "home/file.html"
    context_object_name = "beneficiary"

    def get_queryset(self) -> QuerySet[Beneficiary]:
        return scoped_files(self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        reads.record(
            request, ReadEvent.Kind.FILE, beneficiary=self.object, what=self.object.file_number
        )
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        beneficiary = self.object
        context.update(beneficiaries_panel(beneficiary, user))
        context.update(parcours_panel(beneficiary, user))
        context.update(attestations_panel(beneficiary, user, context.get("parcours")))
        context.update(appointments_panel(beneficiary, user))
        context.update(operators_panel(beneficiary, user))
        context.update(compliance_panel(beneficiary, user))
        everything = self.request.GET.get("historique") == "tout"
        # Orientations and non-compliance are followed by those who run the path.
        hidden = (
            ()
            if user.has_role(*EDIT_ROLES)
            else ("operators.", "compliance.", "parcours.force_majeure")
        )
        events = file_trail(
            beneficiary, limit=None if everything else TIMELINE_LINES, hidden=hidden
        )
        context["timeline"] = events[:TIMELINE_LINES] if not everything else events
        context["timeline_truncated"] = not everything and len(events) > TIMELINE_LINES
        if user.has_role(Role.COORDINATOR):  # who opened, downloaded, searched this file
            context["show_reads"] = True
            context["reads"] = file_reads(beneficiary, limit=TIMELINE_LINES)
        return context


def render_file_page(
    request: HttpRequest, beneficiary: Beneficiary, *, forms: dict[str, BaseForm]
) -> HttpResponse:
    """The file page again, with a refused form bound to what was typed and its errors
    (nothing is lost), answered 400. Registered in ``cainamur.lib.file_page``."""
    view = FileView()
    view.setup(request, pk=beneficiary.pk)
    view.object = beneficiary
    context = view.get_context_data(object=beneficiary)
    context.update(forms)
    return render(request, view.template_name, context, status=400)


class ReadLogView(RoleRequiredMixin, ListView):
    """The read log for coordinators: per file (its number) or per staff member (their
    username), newest first."""

    allowed_roles = (Role.COORDINATOR,)
    request: AuthenticatedHttpRequest
    template_name = "home/read_log.html"
    context_object_name = "events"
    paginate_by = 50
    paginator_class = CappedCountPaginator

    def get_queryset(self) -> QuerySet[ReadEvent]:
        events = ReadEvent.objects.select_related("actor", "beneficiary").order_by("-at", "-id")
        number = self.request.GET.get("dossier", "").strip()
        if number:
            beneficiary = Beneficiary.objects.filter(file_number=number).first()
            pk = beneficiary.pk if beneficiary else 0
            events = events.filter(Q(beneficiary=pk) | Q(files__contains=[pk]))
        person = self.request.GET.get("personne", "").strip()
        if person:
            events = events.filter(actor__username=person)
        return events

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["dossier"] = self.request.GET.get("dossier", "").strip()
        context["personne"] = self.request.GET.get("personne", "").strip()
        context["alerts"] = recent_alerts()
        return context
