"""The path panel's actions. Each is a POST on a file the user can reach (else 404),
calls one service, and returns to the file page with a message; a refused step keeps
nothing half-done and says why."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import scoped_files
from cainamur import reads
from cainamur.lib import file_page
from cainamur.models import ReadEvent
from cainamur.permissions import EDIT_ROLES, AuthenticatedHttpRequest, role_required
from cainamur.uploads import document_response
from parcours import letters, services
from parcours.forms import (
    ConventionForm,
    EvaluationForm,
    ExtensionForm,
    ForceMajeureForm,
    HoursForm,
    InvitationForm,
    StatusForm,
    WelcomeForm,
)
from parcours.models import (
    Axis,
    Convention,
    Evaluation,
    Extension,
    ForceMajeure,
    Parcours,
    WelcomeModule,
)
from parcours.selectors import current_path, status_actions


def _back(pk: int, anchor: str = "parcours") -> HttpResponse:
    return redirect(reverse("beneficiaries:detail", args=[pk]) + f"#{anchor}")


PathAction = Callable[[AuthenticatedHttpRequest, Beneficiary], HttpResponse]


def path_action(view: PathAction) -> Callable[[AuthenticatedHttpRequest, int], HttpResponse]:
    """Editors only, POST only, the file through the scoped queryset, PathError shown."""

    @role_required(*EDIT_ROLES)
    @require_POST
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
        try:
            return view(request, beneficiary)
        except services.PathError as error:
            messages.error(request, str(error))
            return _back(pk)

    return wrapped


def _refused(
    request: AuthenticatedHttpRequest, beneficiary: Beneficiary, message: str, **forms: BaseForm
) -> HttpResponse:
    """Say why, and show the page again with the form as typed and its errors."""
    messages.error(request, message + " " + _("Voyez les erreurs indiquées sous les champs."))
    return file_page.render(request, beneficiary, forms=forms)


def _open_path(beneficiary: Beneficiary) -> Parcours:
    parcours = current_path(beneficiary)
    if parcours is None:
        raise Http404
    return parcours


@path_action
def open_path(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = services.parcours_open(
        beneficiary=beneficiary,
        by=request.user,
        voluntary=request.POST.get("voluntary") == "1",
    )
    messages.success(
        request, _("Parcours ouvert (%(kind)s).") % {"kind": parcours.get_kind_display().lower()}
    )
    return _back(beneficiary.pk)


@path_action
def welcome_save(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    # The form validates on its own copy: a ModelForm writes into its instance, and the
    # service must see the stored values to tell what changed.
    form = WelcomeForm(
        request.POST, instance=WelcomeModule.objects.get(parcours=parcours), auto_id="welcome_%s"
    )
    if not form.is_valid():
        return _refused(
            request, beneficiary, _("Module d'accueil non enregistré."), welcome_form=form
        )
    changed = services.welcome_update(parcours=parcours, data=form.cleaned_data, by=request.user)
    messages.success(
        request, _("Module d'accueil enregistré.") if changed else _("Aucune modification.")
    )
    return _back(beneficiary.pk)


@path_action
def convention_sign(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    form = ConventionForm(request.POST, auto_id="convention_%s")
    if not form.is_valid():
        return _refused(request, beneficiary, _("Convention non signée."), convention_form=form)
    convention = services.convention_sign(parcours=parcours, by=request.user, **form.cleaned_data)
    messages.success(
        request,
        _("Convention v%(version)s signée ; son PDF suit dans la liste des versions.")
        % {"version": convention.version},
    )
    return _back(beneficiary.pk)


@path_action
def hours_add(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    required = [a for a in parcours.axes.all() if a.status != Axis.Status.NOT_REQUIRED]
    form = HoursForm(request.POST, axes=required, user=request.user, auto_id="hours_%s")
    if not form.is_valid():
        return _refused(request, beneficiary, _("Heures non enregistrées."), hours_form=form)
    services.hours_record(by=request.user, **form.cleaned_data)
    parcours.refresh_from_db()
    messages.success(request, _("Heures enregistrées."))
    if parcours.status == Parcours.Status.COMPLETED:
        messages.success(request, _("Toutes les heures sont atteintes : le parcours est terminé."))
    return _back(beneficiary.pk, "axes")


@path_action
def status_change(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    form = StatusForm(request.POST, actions=status_actions(parcours))
    if not form.is_valid():
        messages.error(request, _("Action impossible sur ce parcours."))
        return _back(beneficiary.pk)
    services.parcours_change_status(
        parcours=parcours,
        to=form.cleaned_data["to"],
        reason=form.cleaned_data["reason"],
        by=request.user,
    )
    messages.success(request, _("Statut du parcours mis à jour."))
    return _back(beneficiary.pk)


@role_required(*EDIT_ROLES)
def convention_pdf(request: AuthenticatedHttpRequest, pk: int, convention_pk: int) -> FileResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    convention = get_object_or_404(Convention, parcours__beneficiary=beneficiary, pk=convention_pk)
    if not convention.pdf:
        raise Http404
    reads.record(
        request,
        ReadEvent.Kind.DOCUMENT,
        beneficiary=beneficiary,
        what=f"convention v{convention.version}",
    )
    return FileResponse(
        convention.pdf.open("rb"),
        content_type="application/pdf",
        filename=convention.pdf.name.rsplit("/", 1)[-1],
    )


@role_required(*EDIT_ROLES)
@require_GET
def convention_sheet(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The sheet explaining the path's convention to the person in plain words (PDF,
    French and the person's language), printed and handed over with it."""
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    snapshot = letters.explanation_snapshot(_open_path(beneficiary), on=timezone.localdate())
    if snapshot is None:
        raise Http404
    reads.record(
        request,
        ReadEvent.Kind.DOCUMENT,
        beneficiary=beneficiary,
        what="fiche d'explication de la convention",
    )
    response = HttpResponse(letters.letter_pdf(snapshot), content_type="application/pdf")
    name = f"convention-expliquee-{beneficiary.file_number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(*EDIT_ROLES)
@require_POST
def convention_pdf_retry(
    request: AuthenticatedHttpRequest, pk: int, convention_pk: int
) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    convention = get_object_or_404(Convention, parcours__beneficiary=beneficiary, pk=convention_pk)
    if services.convention_pdf_retry(convention=convention, by=request.user):
        messages.success(request, _("Nouvelle tentative de génération du PDF lancée."))
    else:
        messages.error(request, _("Le PDF de cette convention n'est pas en échec."))
    return _back(pk)


@path_action
def extension_add(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    form = ExtensionForm(request.POST, request.FILES, auto_id="extension_%s")
    if not form.is_valid():
        return _refused(
            request, beneficiary, _("Prorogation non enregistrée."), extension_form=form
        )
    services.extension_record(parcours=parcours, by=request.user, **form.cleaned_data)
    messages.success(request, _("Prorogation enregistrée."))
    return _back(beneficiary.pk)


@path_action
def evaluation_save(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    evaluation = parcours.evaluations.filter(held_on__isnull=True).order_by("due_on").first()
    if evaluation is None:
        raise Http404
    form = EvaluationForm(
        request.POST, instance=Evaluation.objects.get(pk=evaluation.pk), auto_id="evaluation_%s"
    )
    if not form.is_valid():
        return _refused(request, beneficiary, _("Entretien non enregistré."), evaluation_form=form)
    services.evaluation_record(evaluation=evaluation, by=request.user, **form.cleaned_data)
    messages.success(request, _("Entretien enregistré ; le suivant est planifié."))
    return _back(beneficiary.pk)


@path_action
def invitation_add(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    evaluation = parcours.evaluations.filter(held_on__isnull=True).order_by("due_on").first()
    if evaluation is None:
        raise Http404
    form = InvitationForm(request.POST, auto_id="invitation_%s")
    if not form.is_valid():
        return _refused(
            request, beneficiary, _("Invitation non enregistrée."), invitation_form=form
        )
    services.invitation_record(evaluation=evaluation, by=request.user, **form.cleaned_data)
    messages.success(request, _("Invitation enregistrée."))
    return _back(beneficiary.pk)


@path_action
def axis_operator(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    parcours = _open_path(beneficiary)
    axis = get_object_or_404(parcours.axes, pk=request.POST.get("axis", "0") or 0)
    operator = request.POST.get("operator", "")
    if len(operator) > 200:
        messages.error(request, _("Le nom de l'opérateur est trop long (200 caractères)."))
        return _back(beneficiary.pk, "axes")
    services.axis_set_operator(axis=axis, operator=operator, by=request.user)
    messages.success(request, _("Opérateur enregistré."))
    return _back(beneficiary.pk, "axes")


@role_required(*EDIT_ROLES)
def extension_document(
    request: AuthenticatedHttpRequest, pk: int, extension_pk: int
) -> FileResponse:
    """The minister's decision, only through a file the user can reach."""
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    extension = get_object_or_404(Extension, parcours__beneficiary=beneficiary, pk=extension_pk)
    if not extension.document:
        raise Http404
    reads.record(
        request, ReadEvent.Kind.DOCUMENT, beneficiary=beneficiary, what="décision de prorogation"
    )
    return document_response(
        extension.document, download_name=f"prorogation-{beneficiary.file_number}-{extension.pk}"
    )


@path_action
def reassess(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    services.obligation_assess(
        beneficiary=beneficiary, by=request.user, trigger=_("Réévaluation demandée")
    )
    messages.success(request, _("Obligation réévaluée."))
    return redirect("beneficiaries:detail", pk=beneficiary.pk)


@path_action
def force_majeure_add(request: AuthenticatedHttpRequest, beneficiary: Beneficiary) -> HttpResponse:
    form = ForceMajeureForm(
        request.POST, request.FILES, beneficiary=beneficiary, auto_id="force_majeure_%s"
    )
    if not form.is_valid():
        return _refused(
            request, beneficiary, _("Force majeure non enregistrée."), force_majeure_form=form
        )
    services.force_majeure_record(beneficiary=beneficiary, by=request.user, **form.cleaned_data)
    messages.success(request, _("Force majeure enregistrée : le délai de présentation suit."))
    return redirect(reverse("beneficiaries:detail", args=[beneficiary.pk]) + "#obligation")


@role_required(*EDIT_ROLES)
@require_GET
def force_majeure_document(
    request: AuthenticatedHttpRequest, pk: int, record_pk: int
) -> FileResponse:
    """The force majeure's certificate, only through a file the user can reach."""
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    record = get_object_or_404(ForceMajeure, beneficiary=beneficiary, pk=record_pk)
    reads.record(
        request,
        ReadEvent.Kind.DOCUMENT,
        beneficiary=beneficiary,
        what="attestation de force majeure",
    )
    return document_response(
        record.document, download_name=f"force-majeure-{beneficiary.file_number}-{record.pk}"
    )


@role_required(*EDIT_ROLES)
@require_GET
def invitation_letter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The letter inviting the person to the next evaluation interview (PDF, French and the
    person's language). Sent by post or handed over, then recorded as an invitation."""
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    parcours = _open_path(beneficiary)
    evaluation = parcours.evaluations.filter(held_on__isnull=True).order_by("due_on").first()
    if evaluation is None:
        raise Http404
    reads.record(
        request, ReadEvent.Kind.DOCUMENT, beneficiary=beneficiary, what="lettre d'invitation"
    )
    snapshot = letters.invitation_snapshot(evaluation, on=timezone.localdate())
    response = HttpResponse(letters.letter_pdf(snapshot), content_type="application/pdf")
    name = f"invitation-evaluation-{beneficiary.file_number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
