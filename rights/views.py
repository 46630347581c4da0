"""Screens of the rights app (coordinators): access export, anonymisation, legal hold,
retention. Thin: the work is in ``export``, ``anonymise``, ``retention``, ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import scoped_files
from cainamur import reads
from cainamur.models import ReadEvent
from cainamur.permissions import AuthenticatedHttpRequest, role_required
from cainamur.roles import Role
from rights import retention, services
from rights.anonymise import AnonymisationError, beneficiary_anonymise
from rights.export import access_export
from rights.forms import AnonymiseForm, LegalHoldForm
from rights.models import Anonymisation, LegalHold, RetentionRun


def _file(request: AuthenticatedHttpRequest, pk: int) -> Beneficiary:
    return get_object_or_404(scoped_files(request.user), pk=pk)


def _back(beneficiary: Beneficiary) -> str:
    return reverse("beneficiaries:detail", args=[beneficiary.pk]) + "#donnees-personnelles"


@role_required(Role.COORDINATOR)
def export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: what the export holds; POST: the ZIP (logged in the read log)."""
    beneficiary = _file(request, pk)
    if request.method != "POST":
        return render(request, "rights/export.html", {"beneficiary": beneficiary})
    content = access_export(beneficiary)
    reads.record(
        request,
        ReadEvent.Kind.EXPORT,
        beneficiary=beneficiary,
        what=f"export des données (accès) {beneficiary.file_number}",
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="donnees-{beneficiary.file_number}.zip"'
    )
    return response


@role_required(Role.COORDINATOR)
def anonymise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = _file(request, pk)
    done = Anonymisation.objects.filter(beneficiary=beneficiary).first()
    form = AnonymiseForm(request.POST or None, expected=beneficiary.file_number)
    if request.method == "POST" and done is None and form.is_valid():
        try:
            beneficiary_anonymise(beneficiary=beneficiary, by=request.user)
        except AnonymisationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Le dossier est anonymisé."))
            return redirect(_back(beneficiary))
    held = LegalHold.objects.filter(beneficiary=beneficiary).first()
    context = {"beneficiary": beneficiary, "form": form, "done": done, "held": held}
    return render(request, "rights/anonymise.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(Role.COORDINATOR)
def legal_hold(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = _file(request, pk)
    form = LegalHoldForm(request.POST)
    if not form.is_valid():
        context = {"beneficiary": beneficiary, "form": form}
        return render(request, "rights/legal_hold.html", context, status=400)
    services.legal_hold_set(
        beneficiary=beneficiary, reason=form.cleaned_data["reason"], by=request.user
    )
    messages.success(request, _("Le dossier sera conservé tant que la conservation est posée."))
    return redirect(_back(beneficiary))


@require_POST
@role_required(Role.COORDINATOR)
def legal_hold_lift(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = _file(request, pk)
    hold = get_object_or_404(LegalHold, beneficiary=beneficiary)
    services.legal_hold_lift(hold=hold, by=request.user)
    messages.success(request, _("Conservation levée : les durées de conservation s'appliquent."))
    return redirect(_back(beneficiary))


@role_required(Role.COORDINATOR)
def retention_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the next nightly run would do, the last runs, the files under legal hold."""
    context = {
        "due": retention.due(),
        "runs": RetentionRun.objects.all()[:10],
        "holds": LegalHold.objects.select_related("beneficiary", "set_by").order_by("-set_at"),
    }
    return render(request, "rights/retention.html", context)
