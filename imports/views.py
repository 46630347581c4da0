"""« Imports »: a commune's list uploaded, its columns chosen, its preview, then confirmed
(coordinators: an import opens files in every office, as only they may decide); an
operator's attendance sheet sent through its reporting link (no account: the link's token),
previewed, then confirmed by the operator, its report listed for the coordinators."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from beneficiaries.models import Beneficiary
from cainamur.exports import XLSX_TYPE
from cainamur.lib.netutils import client_ip
from cainamur.permissions import AuthenticatedHttpRequest, role_required
from cainamur.roles import Role
from imports import attendance, communes, services
from imports.forms import AttendanceUploadForm, ColumnsForm, CommuneUploadForm
from imports.models import ImportBatch
from imports.tables import TableError
from operators.models import ReportingLink
from operators.services import LinkRefused, link_resolve

BATCHES_PER_PAGE = 50
ROWS_PER_PAGE = 50
TOO_MANY = 429
#: Uploads allowed (django-ratelimit syntax: count/period). Reading a file is the costly
#: step: the operators' link is public, and a coordinator's session could be misused.
OPERATOR_LINK_RATE = "20/h"  # per reporting link
OPERATOR_IP_RATE = "30/h"  # per client address, whatever the link
COORDINATOR_RATE = "30/h"  # per coordinator
COORDINATOR_IP_RATE = "60/h"  # per client address (an office's coordinators share one)
#: The preview's filters, as they appear in the page's address.
STATUS_FILTERS = {
    "nouveaux": communes.NEW,
    "existants": communes.EXISTING,
    "erreurs": communes.ERROR,
}


def _batch(pk: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.select_related("commune", "created_by", "confirmed_by"),
        pk=pk,
        kind=ImportBatch.Kind.COMMUNE,
    )


def _rate(name: str, default: str) -> str:
    """A rate from the settings when set there (``CAI_IMPORT_*_RATE``), else ours."""
    return str(getattr(settings, name, default))


def _upload_limited(request: HttpRequest, *, by: str, who: str, rate: str, ip_rate: str) -> bool:
    """Whether this upload is one too many, counted for ``who`` (a link, a coordinator) and
    for the client address. Both are counted on each try; the counts live in the shared
    cache (Redis), as the other throttles'."""
    limits = [
        is_ratelimited(
            request,
            group=f"imports-{by}",
            key=lambda _group, _request: who,
            rate=rate,
            increment=True,
        ),
        is_ratelimited(request, group=f"imports-{by}-ip", key="ip", rate=ip_rate, increment=True),
    ]
    return any(limits)


def _too_many_uploads() -> str:
    return _("Trop de fichiers déposés en peu de temps : réessayez dans une heure.")


@role_required(Role.COORDINATOR)
def batches(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The communes' lists and the operators' attendance sheets, newest first, page by
    page."""
    rows = ImportBatch.objects.select_related(
        "commune", "link__offer__operator", "created_by", "confirmed_by"
    )
    page = Paginator(rows, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "imports/batches.html", {"batches": page.object_list, "page": page})


@role_required(Role.COORDINATOR)
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CommuneUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _upload_limited(
        request,
        by="upload",
        who=str(request.user.pk),
        rate=_rate("CAI_IMPORT_UPLOAD_RATE", COORDINATOR_RATE),
        ip_rate=_rate("CAI_IMPORT_UPLOAD_IP_RATE", COORDINATOR_IP_RATE),
    ):
        form = CommuneUploadForm(initial={"commune": request.POST.get("commune")})
        return render(
            request,
            "imports/upload.html",
            {"form": form, "refusal": _too_many_uploads(), "max_rows": services.COMMUNE_MAX_ROWS},
            status=TOO_MANY,
        )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.commune_upload(
                data=upload.read(),
                filename=upload.name,
                commune=form.cleaned_data["commune"],
                by=request.user,
            )
        except TableError as error:
            form.add_error("file", str(error))
        else:
            return redirect("imports:columns", pk=batch.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "max_rows": services.COMMUNE_MAX_ROWS}
    return render(request, "imports/upload.html", context, status=status)


@role_required(Role.COORDINATOR)
def columns(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    if batch.status not in (ImportBatch.Status.MAPPING, ImportBatch.Status.PREVIEW):
        return redirect("imports:batch", pk=batch.pk)
    form = ColumnsForm(request.POST or None, headers=batch.headers, initial=batch.columns)
    if request.method == "POST" and form.is_valid():
        try:
            services.commune_columns(batch=batch, columns=form.columns(), by=request.user)
        except services.ImportRefused as error:
            messages.error(request, str(error))
        else:
            return redirect("imports:batch", pk=batch.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/columns.html", {"form": form, "batch": batch}, status=status)


@role_required(Role.COORDINATOR)
def batch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The preview (before the confirmation) or the report (after): counts, then every line
    with its number, outcome and reason, page by page."""
    sheet = ImportBatch.objects.filter(pk=pk, kind=ImportBatch.Kind.ATTENDANCE)
    if sheet.exists():
        return _attendance_for_staff(request, pk)
    batch = _batch(pk)
    if batch.status == ImportBatch.Status.MAPPING:
        return redirect("imports:columns", pk=batch.pk)
    shown = request.GET.get("etat", "")
    status = STATUS_FILTERS.get(shown, "")
    rows = services.report_rows(batch, status=status)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    ids = [row["beneficiary"] for row in page.object_list if row["beneficiary"]]
    visible = set(
        Beneficiary.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    for row in page.object_list:
        row["visible"] = row["beneficiary"] in visible
        row["label"] = communes.STATUS_LABELS[row["status"]]
    context = {
        "batch": batch,
        "page": page,
        "shown": shown,
        "filters": [
            ("", _("Toutes"), batch.rows_total),
            ("nouveaux", _("Nouveaux dossiers"), batch.new_count),
            ("existants", _("Dossiers existants"), batch.existing_count),
            ("erreurs", _("Erreurs"), batch.error_count),
        ],
        "previous": services.previous_import(batch),
        "pending": batch.status == ImportBatch.Status.PREVIEW,
    }
    return render(request, "imports/batch.html", context)


@role_required(Role.COORDINATOR)
@require_POST
def confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    try:
        batch = services.commune_confirm(batch=batch, by=request.user)
    except services.ImportRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Import confirmé : %(created)s dossiers créés.") % {"created": batch.created_count},
        )
    return redirect("imports:batch", pk=batch.pk)


@role_required(Role.COORDINATOR)
@require_POST
def abandon(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    if services.batch_abandon(batch=batch, by=request.user):
        messages.success(request, _("Import abandonné : rien n'a été écrit."))
    return redirect("imports:batches")


# --- Operators' attendance sheets --------------------------------------------------------

#: The sheet's report, filtered as the commune lists' (words of the page's address).
ATTENDANCE_FILTERS = {
    "enregistrees": attendance.OK,
    "deja": attendance.ALREADY,
    "erreurs": attendance.ERROR,
}


def _attendance_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    pending = batch.status == ImportBatch.Status.PREVIEW
    labels = attendance.PREVIEW_LABELS if pending else attendance.DONE_LABELS
    shown = request.GET.get("etat", "")
    rows = services.report_rows(batch, status=ATTENDANCE_FILTERS.get(shown, ""))
    for row in rows:
        row["label"] = labels[row["status"]]
        row["start"] = date.fromisoformat(row["period_start"]) if row["period_start"] else None
        row["end"] = date.fromisoformat(row["period_end"]) if row["period_end"] else None
        row["hours_shown"] = row["hours"].replace(".", ",")  # as typed in French: 2,5
    return {
        "batch": batch,
        "rows": rows,
        "shown": shown,
        "pending": pending,
        "blank": services.attendance_blank_lines(batch),
        "filters": [
            ("", _("Toutes"), batch.new_count + batch.existing_count + batch.error_count),
            (
                "enregistrees",
                _("À enregistrer") if pending else _("Enregistrées"),
                batch.new_count,
            ),
            ("deja", _("Déjà enregistrées"), batch.existing_count),
            ("erreurs", _("Erreurs"), batch.error_count),
        ],
    }


def _attendance_for_staff(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A sheet's report as the coordinators read it (the operator confirms, not them)."""
    batch = get_object_or_404(
        ImportBatch.objects.select_related("link__offer__operator"),
        pk=pk,
        kind=ImportBatch.Kind.ATTENDANCE,
    )
    context = _attendance_context(request, batch)
    ids = [row["beneficiary"] for row in context["rows"] if row["beneficiary"]]
    visible = set(
        Beneficiary.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    for row in context["rows"]:
        row["visible"] = row["beneficiary"] in visible
    return render(request, "imports/attendance_staff.html", context)


def _private(response: HttpResponse) -> HttpResponse:
    """The operator's pages name people and their hours, and no login sets the staff's
    ``no-store`` on them: no copy in a shared cache nor in the browser's."""
    response["Cache-Control"] = "no-store, private"
    return response


def _refused(request: HttpRequest) -> HttpResponse:
    # As the link's own page answers: an expired, revoked or unknown token is said so.
    return _private(render(request, "operators/link_refused.html", status=403))


def _sheet(link: ReportingLink, pk: int) -> ImportBatch:
    """A sheet sent through this link (another link's: 404)."""
    return get_object_or_404(
        ImportBatch.objects.select_related("link__offer__operator"),
        pk=pk,
        kind=ImportBatch.Kind.ATTENDANCE,
        link=link,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def attendance_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The operator's upload of a filled sheet (its link's token, no account)."""
    try:
        link = link_resolve(token)
    except LinkRefused:
        return _refused(request)
    form = AttendanceUploadForm(request.POST or None, request.FILES or None)
    refusal = ""
    if request.method == "POST" and _upload_limited(
        request,
        by="attendance",
        who=str(link.pk),
        rate=_rate("CAI_IMPORT_LINK_RATE", OPERATOR_LINK_RATE),
        ip_rate=_rate("CAI_IMPORT_IP_RATE", OPERATOR_IP_RATE),
    ):
        form, refusal = AttendanceUploadForm(), _too_many_uploads()
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.attendance_upload(
                data=upload.read(), filename=upload.name, link=link, ip=client_ip(request)
            )
        except TableError as error:
            form.add_error("file", str(error))
        else:
            return redirect("imports:attendance-sheet", token=token, pk=batch.pk)
    sheets = ImportBatch.objects.filter(kind=ImportBatch.Kind.ATTENDANCE, link=link).exclude(
        status=ImportBatch.Status.ABANDONED
    )[:10]
    status = TOO_MANY if refusal else 400 if request.method == "POST" else 200
    return _private(
        render(
            request,
            "imports/attendance_upload.html",
            {"link": link, "token": token, "form": form, "sheets": sheets, "refusal": refusal},
            status=status,
        )
    )


@login_not_required
@require_GET
def attendance_template(request: HttpRequest, token: str) -> HttpResponse:
    """The sheet to fill, with the people of the link's page (file number and name)."""
    try:
        link = link_resolve(token)
    except LinkRefused:
        return _refused(request)
    response = HttpResponse(attendance.template_xlsx(link), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="feuille-de-presence.xlsx"'
    return _private(response)  # it names people


@login_not_required
@require_GET
def attendance_sheet(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The sheet's preview (to confirm) or its report (after), for the operator."""
    try:
        link = link_resolve(token)
    except LinkRefused:
        return _refused(request)
    batch = _sheet(link, pk)
    context = {**_attendance_context(request, batch), "link": link, "token": token}
    return _private(render(request, "imports/attendance_sheet.html", context))


@login_not_required
@require_POST
def attendance_confirm(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    try:
        link = link_resolve(token)
    except LinkRefused:
        return _refused(request)
    batch = _sheet(link, pk)
    try:
        batch = services.attendance_confirm(batch=batch, ip=client_ip(request))
    except services.ImportRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Merci : %(recorded)s lignes d'heures enregistrées.")
            % {"recorded": batch.created_count},
        )
    return redirect("imports:attendance-sheet", token=token, pk=batch.pk)


@login_not_required
@require_POST
def attendance_abandon(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    try:
        link = link_resolve(token)
    except LinkRefused:
        return _refused(request)
    if services.batch_abandon(batch=_sheet(link, pk), by=None):
        messages.success(request, _("Feuille abandonnée : rien n'a été enregistré."))
    return redirect("imports:attendance-upload", token=token)
