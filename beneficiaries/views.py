from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView

from appointments.selectors import person_appointments
from attestations.selectors import file_attestations
from attestations.services import missing_for_attestation
from beneficiaries.filters import BeneficiaryFilter
from beneficiaries.forms import BeneficiaryForm, ExemptionForm
from beneficiaries.languages import LANGUAGE_NAMES
from beneficiaries.models import Beneficiary, Exemption
from beneficiaries.selectors import likely_duplicates, scoped_files
from beneficiaries.services import (
    beneficiary_register,
    beneficiary_update,
    exemption_record,
    exemption_remove,
)
from cainamur.pagination import CappedCountPaginator
from cainamur.permissions import (
    EDIT_ROLES,
    FILE_ROLES,
    RoleRequiredMixin,
    may_see_health,
    role_required,
)
from cainamur.roles import Role
from operators.selectors import file_orientations
from parcours.forms import (
    ConventionForm,
    EvaluationForm,
    ExtensionForm,
    HoursForm,
    WelcomeForm,
)
from parcours.models import ObligationAssessment
from parcours.selectors import TIMELINE_LINES, current_path, path_panel, timeline
from parcours.services import OPEN_STATUSES as OPEN_PATH_STATUSES
from parcours.services import obligation_assess


class BeneficiaryListView(RoleRequiredMixin, ListView):
    """The file list with its search.

    The search is sent by POST: names and register numbers never appear in URLs, browser
    history or access logs. GET accepts only ids (office, caseworker, commune), for links
    such as "the files of this office".
    """

    allowed_roles = FILE_ROLES
    template_name = "beneficiaries/list.html"
    context_object_name = "beneficiaries"
    paginate_by = 25
    paginator_class = CappedCountPaginator

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.kwargs["page"] = request.POST.get("page") or 1
        return self.get(request, *args, **kwargs)

    def filter_data(self) -> dict[str, Any] | None:
        if self.request.method == "POST":
            data = self.request.POST
        else:
            data = self.request.GET.copy()
            data.pop("q", None)
        fields = {
            key: value for key, value in data.items() if key in BeneficiaryFilter.base_filters
        }
        return fields or None

    def get_queryset(self) -> QuerySet[Beneficiary]:
        scoped = Beneficiary.objects.visible_to(self.request.user).select_related(
            "office", "commune", "caseworker"
        )
        self.filterset = BeneficiaryFilter(
            self.filter_data(), queryset=scoped, user=self.request.user
        )
        return self.filterset.qs if self.filterset.is_bound else scoped

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["beneficiaries/_results.html"]  # the results only, as the user types
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filtered"] = self.filterset.is_bound and any(
            self.filterset.form.data.get(name) for name in BeneficiaryFilter.base_filters
        )
        return context


class BeneficiaryDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = FILE_ROLES
    template_name = "beneficiaries/detail.html"
    context_object_name = "beneficiary"

    def get_queryset(self) -> QuerySet[Beneficiary]:
        return scoped_files(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        beneficiary = self.object
        health = may_see_health(user)
        assessments = list(
            ObligationAssessment.objects.filter(beneficiary=beneficiary).select_related(
                "assessed_by"
            )[:10]
        )
        latest = assessments[0] if assessments else None
        context.update(
            may_see_health=health,
            may_see_national_number=user.has_perm("beneficiaries.view_national_number"),
            may_edit=user.has_role(*EDIT_ROLES),
            assessment=latest,
            reason_labels=latest.reason_labels(include_medical=health) if latest else [],
            older_assessments=assessments[1:],
            exemptions=list(
                Exemption.objects.visible_to(user)
                .filter(beneficiary=beneficiary)
                .select_related("recorded_by")
            ),
            languages=[LANGUAGE_NAMES.get(code, code) for code in beneficiary.languages],
            interpreter_language=LANGUAGE_NAMES.get(
                beneficiary.interpreter_language, beneficiary.interpreter_language
            ),
        )
        if context["may_edit"]:
            context["exemption_form"] = ExemptionForm(
                beneficiary=beneficiary, may_see_health=health, auto_id="exemption_%s"
            )
        context.update(self.path_context(beneficiary, editable=context["may_edit"]))
        context.update(self.attestation_context(beneficiary, context.get("parcours")))
        context["appointments"] = person_appointments(beneficiary)
        if context["may_edit"]:
            context["orientations"] = file_orientations(beneficiary)
        context["now"] = timezone.now()
        everything = self.request.GET.get("historique") == "tout"
        events = timeline(beneficiary, limit=None if everything else TIMELINE_LINES)
        context["timeline"] = events[:TIMELINE_LINES] if not everything else events
        context["timeline_truncated"] = not everything and len(events) > TIMELINE_LINES
        return context

    def attestation_context(self, beneficiary: Beneficiary, parcours: Any) -> dict[str, Any]:
        if parcours is None:
            return {}
        user = self.request.user
        return {
            "attestations": file_attestations(beneficiary),
            "attestation_missing": (
                missing_for_attestation(parcours)
                if parcours.status in ("convention_signed", "in_progress")
                else []
            ),
            "may_revoke": user.has_role(Role.COORDINATOR),
        }

    def path_context(self, beneficiary: Beneficiary, *, editable: bool) -> dict[str, Any]:
        parcours = current_path(beneficiary)
        if parcours is None:
            return {"parcours": None}
        today = timezone.localdate()
        panel = path_panel(parcours, today=today)
        if not editable:
            return panel
        # Each form gets its own id prefix: several forms share field names on this page.
        panel["welcome_form"] = WelcomeForm(instance=panel["welcome"], auto_id="welcome_%s")
        signable = parcours.status in ("welcome", "convention_signed", "in_progress", "completed")
        if signable and (panel["convention"] or panel["welcome"].is_complete):
            previous = panel["convention"]
            proposal = panel["proposal"]
            panel["convention_form"] = ConventionForm(
                auto_id="convention_%s",
                initial={
                    "signed_on": today,
                    "start_on": previous.start_on if previous else today,
                    "citizenship_hours": previous.citizenship_hours if previous else 60,
                    "french_required": (
                        previous.french_required if previous else proposal.french_required
                    ),
                    "french_hours": previous.french_hours if previous else 400,
                    "orientation_required": (
                        previous.orientation_required if previous else proposal.orientation_required
                    ),
                    "orientation_hours": previous.orientation_hours if previous else 4,
                },
            )
        if panel["next_evaluation"] is not None:
            panel["evaluation_form"] = EvaluationForm(
                initial={"held_on": today, "attended": "1"}, auto_id="evaluation_%s"
            )
        if parcours.kind == "obliged" and parcours.status in OPEN_PATH_STATUSES:
            panel["extension_form"] = ExtensionForm(auto_id="extension_%s")
        if panel["required_axes"] and parcours.status in (
            "convention_signed",
            "in_progress",
            "completed",
        ):
            panel["hours_form"] = HoursForm(
                axes=panel["required_axes"], initial={"on": today}, auto_id="hours_%s"
            )
        return panel


class BeneficiaryCreateView(RoleRequiredMixin, FormView):
    """Registration, with duplicate detection before saving."""

    allowed_roles = FILE_ROLES
    template_name = "beneficiaries/form.html"
    form_class = BeneficiaryForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form: BeneficiaryForm) -> HttpResponse:
        data = form.cleaned_data
        if not self.request.POST.get("confirm_distinct"):
            duplicates = list(
                likely_duplicates(
                    last_name=data["last_name"],
                    first_names=data["first_names"],
                    birth_date=data["birth_date"],
                )
            )
            if duplicates:
                visible = set(
                    Beneficiary.objects.visible_to(self.request.user)
                    .filter(pk__in=[d.pk for d in duplicates])
                    .values_list("pk", flat=True)
                )
                return self.render_to_response(
                    self.get_context_data(
                        form=form,
                        duplicates=duplicates,
                        visible_duplicates=visible,
                    )
                )
        fields = {name: data[name] for name in BeneficiaryForm.Meta.fields}
        fields["commune"] = form.commune
        try:
            beneficiary = beneficiary_register(data=fields, by=self.request.user)
        except IntegrityError:
            # Someone registered the same register number a moment ago.
            form.add_error(
                "national_number",
                _("Ce numéro vient d'être enregistré dans un autre dossier : recherchez-le."),
            )
            return self.form_invalid(form)
        messages.success(
            self.request, _("Dossier %(number)s ouvert.") % {"number": beneficiary.file_number}
        )
        if self.request.GET.get("suite") == "rendez-vous":  # opened from the booking screen
            return redirect(reverse("appointments:book") + f"?dossier={beneficiary.pk}")
        return redirect("beneficiaries:detail", pk=beneficiary.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "creating": True}


class BeneficiaryUpdateView(RoleRequiredMixin, FormView):
    allowed_roles = EDIT_ROLES
    template_name = "beneficiaries/form.html"
    form_class = BeneficiaryForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            self.beneficiary = get_object_or_404(scoped_files(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "instance": Beneficiary.objects.get(pk=self.beneficiary.pk),
        }

    def form_valid(self, form: BeneficiaryForm) -> HttpResponse:
        data = {name: form.cleaned_data[name] for name in BeneficiaryForm.Meta.fields}
        data["commune"] = form.commune
        changed = beneficiary_update(beneficiary=self.beneficiary, data=data, by=self.request.user)
        if changed:
            messages.success(self.request, _("Dossier mis à jour."))
        else:
            messages.info(self.request, _("Aucune modification."))
        return redirect("beneficiaries:detail", pk=self.beneficiary.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "beneficiary": self.beneficiary}


def render_file_page(
    request: HttpRequest, beneficiary: Beneficiary, *, forms: dict[str, Any]
) -> HttpResponse:
    """The file page again, with a refused form bound to what was typed and its errors
    (nothing is lost), answered 400."""
    view = BeneficiaryDetailView()
    view.setup(request, pk=beneficiary.pk)
    view.object = beneficiary
    context = view.get_context_data(object=beneficiary)
    context.update(forms)
    return render(request, view.template_name, context, status=400)


@role_required(*EDIT_ROLES)
@require_POST
def exemption_add(request: HttpRequest, pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    form = ExemptionForm(
        request.POST,
        request.FILES,
        beneficiary=beneficiary,
        may_see_health=may_see_health(request.user),
        auto_id="exemption_%s",
    )
    if not form.is_valid():
        messages.error(request, _("Dispense non enregistrée : voyez les erreurs indiquées."))
        return render_file_page(request, beneficiary, forms={"exemption_form": form})
    exemption_record(beneficiary=beneficiary, by=request.user, **form.cleaned_data)
    messages.success(request, _("Dispense enregistrée ; l'obligation a été réévaluée."))
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#dispenses")


@role_required(*EDIT_ROLES)
@require_POST
def exemption_delete(request: HttpRequest, pk: int, exemption_pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    exemption = get_object_or_404(
        Exemption.objects.visible_to(request.user), pk=exemption_pk, beneficiary=beneficiary
    )
    exemption_remove(exemption=exemption, by=request.user)
    messages.success(request, _("Dispense retirée ; l'obligation a été réévaluée."))
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#dispenses")


@role_required(*EDIT_ROLES)
@require_POST
def reassess(request: HttpRequest, pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    obligation_assess(beneficiary=beneficiary, by=request.user, trigger=_("Réévaluation demandée"))
    messages.success(request, _("Obligation réévaluée."))
    return redirect("beneficiaries:detail", pk=pk)


@role_required(*EDIT_ROLES)
def exemption_proof(request: HttpRequest, pk: int, exemption_pk: int) -> FileResponse:
    """The proof document, served only through the scoped file (never a public media URL)."""
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    exemption = get_object_or_404(
        Exemption.objects.visible_to(request.user), pk=exemption_pk, beneficiary=beneficiary
    )
    if not exemption.proof:
        raise Http404
    return FileResponse(
        exemption.proof.open("rb"),
        as_attachment=False,
        filename=exemption.proof.name.rsplit("/", 1)[-1],
    )
