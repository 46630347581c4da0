"""« Manquements »: the coordinators' list of breaches and each non-compliance file."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beneficiaries.selectors import scoped_files
from cainamur import reads
from cainamur.lib.http import is_id
from cainamur.models import ReadEvent
from cainamur.permissions import AuthenticatedHttpRequest, role_required
from cainamur.roles import Role
from compliance import services
from compliance.documents import report_pdf
from compliance.forms import OutcomeForm, SentForm
from compliance.models import NonCompliance
from compliance.selectors import current_breaches, report_snapshot, scoped_cases

CASES_PER_PAGE = 50


def _case(request: AuthenticatedHttpRequest, case_pk: int) -> NonCompliance:
    return get_object_or_404(scoped_cases(scoped_files(request.user)), pk=case_pk)


@role_required(Role.COORDINATOR)
@require_GET
def breaches(request: AuthenticatedHttpRequest) -> HttpResponse:
    files = scoped_files(request.user)
    today = timezone.localdate()
    cases = scoped_cases(files).order_by("-breach_on", "-id")
    pending = list(cases.filter(outcome=NonCompliance.Outcome.PENDING))
    closed = Paginator(cases.exclude(outcome=NonCompliance.Outcome.PENDING), CASES_PER_PAGE)
    return render(
        request,
        "compliance/list.html",
        {
            "breaches": current_breaches(files, today=today),
            "pending": pending,
            "closed": closed.get_page(request.GET.get("page")),
        },
    )


@role_required(Role.COORDINATOR)
@require_POST
def case_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    file_id = request.POST.get("file", "")
    if not is_id(file_id):
        raise Http404
    beneficiary = get_object_or_404(scoped_files(request.user), pk=int(file_id))
    kind = request.POST.get("kind", "")
    if kind not in NonCompliance.Kind.values:
        messages.error(request, _("Manquement inconnu."))
        return redirect("compliance:list")
    try:
        case = services.case_open(beneficiary=beneficiary, kind=kind, by=request.user)
    except services.ComplianceError as error:
        messages.error(request, str(error))
        return redirect("compliance:list")
    messages.success(request, _("Dossier de manquement ouvert : préparez le rapport."))
    return redirect("compliance:case", case_pk=case.pk)


def _detail(
    request: AuthenticatedHttpRequest,
    case: NonCompliance,
    *,
    sent_form: SentForm | None = None,
    outcome_form: OutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    snapshot = case.report if case.sent_on else report_snapshot(case, today=today)
    return render(
        request,
        "compliance/case.html",
        {
            "case": case,
            "report": snapshot,
            "sent_form": sent_form or SentForm(initial={"sent_on": today}, auto_id="sent_%s"),
            "outcome_form": outcome_form
            or OutcomeForm(
                initial={"outcome_on": today},
                auto_id="outcome_%s",
                allowed=services.NEXT_OUTCOMES[case.outcome],
            ),
            "next_outcomes": services.NEXT_OUTCOMES[case.outcome],
        },
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_GET
def case_detail(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    return _detail(request, _case(request, case_pk))


@role_required(Role.COORDINATOR)
@require_GET
def report(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    """The report as PDF: as sent once sent, else as it stands today."""
    case = _case(request, case_pk)
    reads.record(
        request, ReadEvent.Kind.EXPORT, beneficiary=case.beneficiary, what="rapport de manquement"
    )
    snapshot = case.report if case.sent_on else report_snapshot(case, today=timezone.localdate())
    response = HttpResponse(report_pdf(snapshot), content_type="application/pdf")
    name = f"manquement-{case.beneficiary.file_number}-{case.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(Role.COORDINATOR)
@require_POST
def sent(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    form = SentForm(request.POST, auto_id="sent_%s")
    if not form.is_valid():
        messages.error(request, _("Envoi non enregistré : voyez les erreurs sous les champs."))
        return _detail(request, case, sent_form=form, status=400)
    try:
        services.report_sent(case=case, by=request.user, **form.cleaned_data)
    except services.ComplianceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Envoi enregistré ; le rapport est figé tel qu'envoyé."))
    return redirect("compliance:case", case_pk=case.pk)


@role_required(Role.COORDINATOR)
@require_POST
def outcome(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    form = OutcomeForm(
        request.POST, auto_id="outcome_%s", allowed=services.NEXT_OUTCOMES[case.outcome]
    )
    if not form.is_valid():
        messages.error(request, _("Suite non enregistrée : voyez les erreurs sous les champs."))
        return _detail(request, case, outcome_form=form, status=400)
    try:
        services.outcome_record(case=case, by=request.user, **form.cleaned_data)
    except services.ComplianceError as error:
        messages.error(request, str(error))
        return _detail(request, case, outcome_form=form, status=400)
    messages.success(request, _("Suite enregistrée."))
    return redirect("compliance:case", case_pk=case.pk)
