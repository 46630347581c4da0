"""Attestations: the file's actions, the coordinators' register and copies page, and the
public verification page (the only view without login)."""

from __future__ import annotations

from typing import Any, Protocol

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView
from django_ratelimit.decorators import ratelimit

from attestations import letters, services
from attestations.copies import address_missing, address_missing_text, copy_recipient_email_set
from attestations.exports import register_filtered
from attestations.forms import ReasonForm, RecipientEmailForm, VerifyForm
from attestations.models import Attestation
from attestations.selectors import dispatches_needing_attention
from beneficiaries.selectors import scoped_files
from cainamur import export_views, reads
from cainamur.lib.pagination import CappedCountPaginator
from cainamur.models import ReadEvent, User
from cainamur.permissions import (
    EDIT_ROLES,
    AuthenticatedHttpRequest,
    RoleRequiredMixin,
    role_required,
)
from cainamur.roles import Role
from outbox.models import Dispatch
from outbox.services import DispatchError, DispatchNeedsAddress, dispatch_resend
from parcours.letters import letter_pdf
from parcours.selectors import current_path


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#attestation")


def _scoped_attestation(
    request: AuthenticatedHttpRequest, pk: int, attestation_pk: int
) -> Attestation:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    return get_object_or_404(Attestation, beneficiary=beneficiary, pk=attestation_pk)


@role_required(*EDIT_ROLES)
@require_POST
def issue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    parcours = current_path(beneficiary)
    if parcours is None:
        raise Http404
    try:
        attestation = services.attestation_issue(parcours=parcours, by=request.user)
    except services.AttestationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Attestation %(number)s délivrée. Le PDF et les copies sont en préparation.")
            % {"number": attestation.number},
        )
    return _back(pk)


class ReasonedAction(Protocol):
    """A service that replaces or revokes an attestation, with a reason."""

    def __call__(self, *, attestation: Attestation, by: User, reason: str) -> Attestation: ...


def _with_reason(
    request: AuthenticatedHttpRequest,
    pk: int,
    attestation_pk: int,
    action: ReasonedAction,
    done: str,
) -> HttpResponse:
    attestation = _scoped_attestation(request, pk, attestation_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif."))
        return _back(pk)
    try:
        result = action(
            attestation=attestation, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AttestationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"number": result.number, "old": attestation.number})
    return _back(pk)


@role_required(*EDIT_ROLES)
@require_POST
def reissue(request: AuthenticatedHttpRequest, pk: int, attestation_pk: int) -> HttpResponse:
    return _with_reason(
        request,
        pk,
        attestation_pk,
        services.attestation_reissue,
        _("Attestation %(old)s remplacée par %(number)s."),
    )


@role_required(Role.COORDINATOR)
@require_POST
def revoke(request: AuthenticatedHttpRequest, pk: int, attestation_pk: int) -> HttpResponse:
    return _with_reason(
        request,
        pk,
        attestation_pk,
        services.attestation_revoke,
        _("Attestation %(number)s révoquée."),
    )


@role_required(*EDIT_ROLES)
@require_GET
def pdf(request: AuthenticatedHttpRequest, pk: int, attestation_pk: int) -> FileResponse:
    attestation = _scoped_attestation(request, pk, attestation_pk)
    if not attestation.pdf:
        raise Http404
    reads.record(
        request,
        ReadEvent.Kind.DOCUMENT,
        beneficiary=attestation.beneficiary,
        what=f"attestation {attestation.number}",
    )
    return FileResponse(
        attestation.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{attestation.number}.pdf",
    )


@role_required(*EDIT_ROLES)
@require_GET
def cover_letter(request: AuthenticatedHttpRequest, pk: int, attestation_pk: int) -> HttpResponse:
    """The letter handed over with the attestation (PDF, French and the person's
    language)."""
    attestation = _scoped_attestation(request, pk, attestation_pk)
    if attestation.status != Attestation.Status.VALID:
        raise Http404
    reads.record(
        request,
        ReadEvent.Kind.DOCUMENT,
        beneficiary=attestation.beneficiary,
        what=f"lettre d'accompagnement de l'attestation {attestation.number}",
    )
    snapshot = letters.cover_snapshot(attestation, on=timezone.localdate())
    response = HttpResponse(letter_pdf(snapshot), content_type="application/pdf")
    name = f"lettre-{attestation.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(*EDIT_ROLES)
@require_POST
def pdf_retry(request: AuthenticatedHttpRequest, pk: int, attestation_pk: int) -> HttpResponse:
    attestation = _scoped_attestation(request, pk, attestation_pk)
    try:
        services.attestation_pdf_retry(attestation=attestation, by=request.user)
    except services.AttestationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Nouvelle tentative de génération du PDF lancée."))
    return _back(pk)


def _address_missing(request: AuthenticatedHttpRequest, dispatch: Dispatch) -> str:
    """Who types the missing address, with a link to the form for those who can."""
    may_type = request.user.has_role(Role.COORDINATOR)
    text = address_missing_text(dispatch, may_type=may_type)
    if not may_type:
        return text
    return format_html(
        '{} <a href="{}">{}</a>',
        text,
        f"{reverse('attestations:dispatches')}#address-{dispatch.pk}",
        _("Saisir l'adresse"),
    )


def _resend(request: AuthenticatedHttpRequest, dispatch: Dispatch) -> None:
    try:
        dispatch_resend(dispatch=dispatch, by=request.user)
    except DispatchNeedsAddress:
        messages.error(request, _address_missing(request, dispatch))
    except DispatchError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Copie vers %(to)s relancée.") % {"to": dispatch.recipient_name}
        )


@role_required(*EDIT_ROLES)
@require_POST
def resend(request: AuthenticatedHttpRequest, pk: int, dispatch_pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    dispatch = get_object_or_404(
        Dispatch.objects.select_related("commune", "cpas"),
        attestation__beneficiary=beneficiary,
        pk=dispatch_pk,
    )
    _resend(request, dispatch)
    return _back(pk)


# --- Coordinators ---------------------------------------------------------------------------


class RegisterView(RoleRequiredMixin, ListView):
    """Every attestation, searchable and filterable; exported as CSV with the same filters.
    Searches are POSTed (names stay out of URLs), like the file list."""

    allowed_roles = (Role.COORDINATOR,)
    request: AuthenticatedHttpRequest
    template_name = "attestations/register.html"
    context_object_name = "attestations"
    paginate_by = 50
    paginator_class = CappedCountPaginator

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        wanted = request.POST.get("export")
        if wanted:
            # The register's own export button (CSV); the framework's buttons post to
            # exports:start. Both log the export and the files read.
            fmt = wanted if wanted in ("xlsx", "csv") else "csv"
            return export_views.export_response(self.request, "attestations", fmt)
        self.kwargs["page"] = request.POST.get("page") or 1
        return self.get(request, *args, **kwargs)

    def filtered_queryset(self) -> QuerySet[Attestation]:
        data: QueryDict
        if self.request.method == "POST":
            data = self.request.POST
        else:
            data = self.request.GET.copy()
            data.pop("q", None)
        queryset, self.filterset = register_filtered(self.request.user, data)
        return queryset

    def get_queryset(self) -> QuerySet[Attestation]:
        return self.filtered_queryset()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filtered"] = self.filterset.is_bound
        context["attention"] = dispatches_needing_attention(self.request.user).count()
        return context


#: Copies shown per page (oldest first): a page stays quick however many wait.
DISPATCHES_PER_PAGE = 50


def _dispatches_page(
    request: AuthenticatedHttpRequest,
    form: RecipientEmailForm,
    *,
    form_for: int | None = None,
    status: int = 200,
) -> HttpResponse:
    paginator = CappedCountPaginator(
        dispatches_needing_attention(request.user), DISPATCHES_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    return render(
        request,
        "attestations/dispatches.html",
        {
            "page_obj": page,
            "dispatches": rows,
            # Rows whose recipient has no address today get the form, not « Relancer ».
            "without_address": {row.pk for row in rows if address_missing(row)},
            "address_form": form,
            "form_for": form_for,
            "may_use_admin": admin.site.has_permission(request),
        },
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_GET
def dispatches(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every copy that failed or waits for an address, oldest first, with what to do."""
    return _dispatches_page(request, RecipientEmailForm(auto_id="address_%s"))


@role_required(Role.COORDINATOR)
@require_POST
def dispatch_resend_view(request: AuthenticatedHttpRequest, dispatch_pk: int) -> HttpResponse:
    dispatch = get_object_or_404(
        Dispatch.objects.visible_to(request.user)
        .filter(purpose=Dispatch.Purpose.ATTESTATION_COPY)
        .select_related("commune", "cpas"),
        pk=dispatch_pk,
    )
    _resend(request, dispatch)
    return redirect("attestations:dispatches")


@role_required(Role.COORDINATOR)
@require_POST
def dispatch_address(request: AuthenticatedHttpRequest, dispatch_pk: int) -> HttpResponse:
    dispatch = get_object_or_404(
        Dispatch.objects.visible_to(request.user)
        .filter(purpose=Dispatch.Purpose.ATTESTATION_COPY)
        .select_related("commune", "cpas"),
        pk=dispatch_pk,
    )
    form = RecipientEmailForm(request.POST, auto_id="address_%s")
    if not form.is_valid():
        # django-stubs misses ErrorList.__getitem__, which gives the message (a str).
        messages.error(request, form.errors["email"][0])  # type: ignore[arg-type]
        return _dispatches_page(request, form, form_for=dispatch.pk, status=400)
    queued = copy_recipient_email_set(
        dispatch=dispatch, email=form.cleaned_data["email"], by=request.user
    )
    if dispatch.status == Dispatch.Status.FAILED:
        # A failed copy whose address was removed since: « Enregistrer et envoyer » sends
        # it too (the others waiting for this address are queued above).
        try:
            dispatch_resend(dispatch=dispatch, by=request.user)
        except DispatchError as error:
            messages.error(request, str(error))
        else:
            queued += 1
    messages.success(
        request,
        _("Adresse de %(to)s enregistrée ; %(count)s copie(s) relancée(s).")
        % {"to": dispatch.recipient_name, "count": queued},
    )
    return redirect("attestations:dispatches")


# --- Public ---------------------------------------------------------------------------------


def _verify_rate(_group: str, _request: HttpRequest) -> str:
    return str(settings.CAI_VERIFY_RATE)


@login_not_required
@require_GET
@ratelimit(key="ip", rate=_verify_rate, block=False)
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone (a commune, an employer) checks an attestation by number and code, typed or
    scanned from the QR code. The answer says only: valid, superseded, revoked or unknown,
    with the number, the issue date and the holder's initials."""
    if getattr(request, "limited", False):
        return render(request, "attestations/verify_limited.html", status=429)
    data = request.GET if {"n", "c"} <= request.GET.keys() else None
    if data is not None:
        form = VerifyForm({"number": data["n"], "code": data["c"]})
    elif "number" in request.GET or "code" in request.GET:
        form = VerifyForm(request.GET)
    else:
        # From the cover letter: the number filled in, the code to type from the paper.
        form = VerifyForm(initial={"number": request.GET.get("n", "")[:20]})
    result: dict[str, Any] | None = None
    if form.is_bound and form.is_valid():
        attestation = Attestation.objects.filter(number=form.cleaned_data["number"]).first()
        code = services.normalise_code(form.cleaned_data["code"])
        if attestation is None or not constant_time_compare(attestation.verification_code, code):
            result = {"state": "unknown"}
        else:
            result = {
                "state": attestation.status,
                "number": attestation.number,
                "issued_on": attestation.issued_on,
                "initials": attestation.holder_initials,
            }
    response = render(request, "attestations/verify.html", {"form": form, "result": result})
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
