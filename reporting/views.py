"""« Pilotage »: the figures of a period for coordinators (every office) and caseworkers
(their offices). Thin: the form reads the period and filters, ``indicators`` computes,
``charts`` draws."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cainamur.permissions import AuthenticatedHttpRequest, role_required
from cainamur.roles import Role
from cainamur.uploads import DOCUMENT_CSP
from offices.models import Office
from reporting import charts, services, suppression
from reporting.cache import FRESH_SECONDS, computed_dashboard
from reporting.drilldown import DASHBOARD_ROLES
from reporting.forms import PERIOD_FIELDS, PilotageForm, period_query
from reporting.indicators import Dashboard
from reporting.models import ActivityReport
from reporting.periods import Period

#: At most this many communes in the chart (all are in its table).
CHART_COMMUNES = 20
#: The reports' page lists the latest ones.
REPORTS_SHOWN = 50
FILE_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _draw(board: Dashboard, *, mask: int) -> None:
    """Each chart beside its table."""
    series = board.series
    board.series.chart = charts.column_chart(
        [row.label for row in series.rows],
        [
            (str(series.columns[1]), [row.cells[0].value or 0 for row in series.rows]),
            (str(series.columns[2]), [row.cells[1].value or 0 for row in series.rows]),
        ],
        title=_("Personnes reçues et dossiers ouverts, %(unit)s") % {"unit": series.title.lower()},
    )
    busiest = [
        (row.label, row.cells[0].value or 0)
        for row in board.communes.rows
        if not row.total and row.cells[0].value
    ][:CHART_COMMUNES]
    board.communes.chart = charts.bar_chart(
        busiest, title=_("Personnes reçues par commune (les plus nombreuses)"), mask=mask
    )
    board.funnel.chart = charts.funnel_chart(
        [(row.label, int(row.cells[0].value or 0)) for row in board.funnel.rows],
        title=_("Du premier contact à l'attestation"),
        mask=mask,
    )


def _link(query: list[tuple[str, str]], period: Period | None, **extra: str) -> str:
    if period is None:
        return ""
    kept = [(k, v) for k, v in query if k not in PERIOD_FIELDS]
    return "?" + urlencode([*period_query(period), *kept, *extra.items()])


@role_required(*DASHBOARD_ROLES)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user = request.user
    form = PilotageForm(request.GET, user=user, today=today)
    if not form.is_valid():
        return render(request, "reporting/dashboard.html", {"form": form}, status=400)
    masked = request.GET.get("masquer") == "1"
    mask = suppression.threshold() if masked else 0
    scope = form.scope()
    computed = computed_dashboard(scope, fresh=request.GET.get("recalculer") == "1")
    board = computed.board  # a copy: the cache hands back what it had pickled
    _draw(board, mask=mask)
    query = form.query()
    offices = (
        None
        if user.sees_all_offices
        else list(Office.objects.filter(id__in=user.office_ids).values_list("name", flat=True))
    )
    following = scope.period.shifted(1)
    context = {
        "form": form,
        "board": board,
        "scope": scope,
        "pilotage_base": query,
        "filters": form.described_filters(),
        "offices": offices,
        "masked": masked,
        "mask": mask,
        "small_cell": suppression.threshold(),
        "small_cell_last": suppression.threshold() - 1,
        "previous_url": _link(query, scope.period.shifted(-1)),
        "next_url": _link(query, following if following and following.start <= today else None),
        "masked_url": "?" + urlencode([*query, ("masquer", "1")]),
        "exact_url": "?" + urlencode(query),
        "unfiltered_url": "?" + urlencode(period_query(scope.period)),
        "generated_at": timezone.localtime(computed.at),
        "fresh_minutes": FRESH_SECONDS // 60,
        "refresh_url": "?" + urlencode([*query, ("recalculer", "1")]),
        "may_report": user.has_role(Role.COORDINATOR),
    }
    return render(request, "reporting/dashboard.html", context)


def _scope_label(form: PilotageForm) -> str:
    user = form.user
    offices = (
        _("tous les bureaux")
        if user.sees_all_offices
        else ", ".join(Office.objects.filter(id__in=user.office_ids).values_list("name", flat=True))
    )
    return " · ".join([offices, *form.described_filters()])


@role_required(Role.COORDINATOR)
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The activity reports asked for, newest first; POST (from the dashboard, with its
    period and filters): ask for one."""
    if request.method == "POST":
        form = PilotageForm(request.POST, user=request.user, today=timezone.localdate())
        if not form.is_valid():
            messages.error(request, _("La période ou les filtres ne sont pas valides."))
            return redirect("reporting:dashboard")
        report = services.report_request(
            scope=form.scope(),
            parameters=form.query(),
            scope_label=_scope_label(form),
            by=request.user,
        )
        messages.success(
            request,
            _("Le rapport « %(period)s » est en préparation : il apparaît ci-dessous.")
            % {"period": report.period_label},
        )
        return redirect("reporting:reports")
    rows = ActivityReport.objects.select_related("requested_by")[:REPORTS_SHOWN]
    return render(request, "reporting/reports.html", {"reports": rows})


@require_GET
@role_required(Role.COORDINATOR)
def report_state(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One report's line, asked again every few seconds while it is being built."""
    report = get_object_or_404(ActivityReport.objects.select_related("requested_by"), pk=pk)
    return render(request, "reporting/_report.html", {"report": report})


@require_GET
@role_required(Role.COORDINATOR)
def report_file(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponseBase:  # noqa: ARG001 - the decorators read it
    report = get_object_or_404(ActivityReport, pk=pk, status=ActivityReport.Status.READY)
    document = {"pdf": report.pdf, "xlsx": report.xlsx}.get(kind)
    if not document:
        raise Http404
    name = f"rapport-activite-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}.{kind}"
    response = FileResponse(
        document.open("rb"), as_attachment=True, filename=name, content_type=FILE_TYPES[kind]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOCUMENT_CSP
    return response
