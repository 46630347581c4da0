"""Exports of the lists: start one from a list's form, follow a large one, download it,
read one's exports (and, for coordinators, the export log)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cainamur import exports, reads
from cainamur.models import Export, ReadEvent
from cainamur.permissions import (
    FILE_ROLES,
    AuthenticatedHttpRequest,
    role_required,
    user_has_role,
)
from cainamur.roles import Role
from cainamur.uploads import DOCUMENT_CSP


def _back(request: AuthenticatedHttpRequest) -> str:
    """The list the export came from (same site only), else « Mes exports »."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("exports:journal")


def _visible(request: AuthenticatedHttpRequest, pk: int) -> Export:
    """One's own export (a file with personal data goes only to who asked for it)."""
    return get_object_or_404(
        Export.objects.select_related("requested_by"), pk=pk, requested_by=request.user
    )


def _attachment(export_file: object, name: str, fmt: str) -> HttpResponseBase:
    response = FileResponse(
        export_file, as_attachment=True, filename=name, content_type=exports.CONTENT_TYPES[fmt]
    )
    return _protected(response)


def _protected(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOCUMENT_CSP
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(*FILE_ROLES)
def start(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Export a list as its form is filled in (the form's « source » names the list)."""
    fmt = request.POST.get("format", "")
    if fmt not in Export.Format.values:
        return HttpResponse(_("Format d'export inconnu."), status=400)
    return export_response(request, request.POST.get("source", ""), fmt)


def export_response(request: AuthenticatedHttpRequest, name: str, fmt: str) -> HttpResponseBase:
    """The export of list ``name`` with the filters POSTed: sent at once up to
    ``CAI_EXPORT_SYNC_ROWS`` rows, else built by a task and offered on its own page.
    Logged either way (the export log and the read log)."""
    src = exports.source(name)
    if src is None or not exports.may_export(request.user, src):
        raise Http404
    params = exports.picked(src, request.POST)
    table = src.build(request.user, params)
    if not table.count:
        messages.warning(request, _("Rien à exporter : la liste est vide avec ces critères."))
        return redirect(_back(request))
    direct = table.count <= exports.sync_rows()
    out = io.BytesIO()
    if direct:
        # At most CAI_EXPORT_SYNC_ROWS rows: a few megabytes, written in memory first, so
        # that only a file actually sent is logged as downloaded.
        exports.write(table, fmt, out)
    export = exports.export_log(
        src=src, fmt=fmt, params=params, rows=table.count, by=request.user, direct=direct
    )
    reads.record(
        request,
        ReadEvent.Kind.EXPORT,
        what=_("export %(label)s (%(format)s)")
        % {"label": src.label, "format": export.get_format_display()},
        files=table.files(),
    )
    if not direct:
        messages.info(
            request,
            _(
                "%(rows)s lignes : le fichier est préparé en arrière-plan, "
                "il sera proposé ici dès qu'il est prêt."
            )
            % {"rows": table.count},
        )
        return redirect("exports:detail", pk=export.pk)
    response = HttpResponse(out.getvalue(), content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(src, fmt)}"'
    return _protected(response)


@require_GET
@role_required(*FILE_ROLES)
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    export = _visible(request, pk)
    template = "exports/_state.html" if request.headers.get("HX-Request") else "exports/detail.html"
    return render(request, template, {"export": export})


@require_GET
@role_required(*FILE_ROLES)
def download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    export = _visible(request, pk)
    if export.status != Export.Status.READY or not export.file:
        raise Http404
    src = exports.source(export.source)
    name = (
        exports.filename(src, export.format, export.requested_at)
        if src
        else f"export.{export.format}"
    )
    return _attachment(export.file.open("rb"), name, export.format)


@require_GET
@role_required(*FILE_ROLES)
def journal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One's exports; coordinators read every export (the export log)."""
    everyone = user_has_role(request.user, (Role.COORDINATOR,)) and request.GET.get("tous") == "1"
    rows = Export.objects.select_related("requested_by")
    if not everyone:
        rows = rows.filter(requested_by=request.user)
    page = Paginator(rows.order_by("-requested_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "exports/journal.html",
        {
            "page_obj": page,
            "exports_page": page.object_list,
            "everyone": everyone,
            "may_read_log": user_has_role(request.user, (Role.COORDINATOR,)),
        },
    )
