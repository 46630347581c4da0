"""Writes of the reporting app: an activity report asked for, then built by a task."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cainamur import audit
from cainamur.celery import queue_on_commit
from cainamur.models import User
from cainamur.pdf import centre_snapshot
from reporting import documents, indicators, suppression
from reporting.models import ActivityReport
from reporting.periods import Period, PeriodKind
from reporting.scope import Filters, Scope

logger = logging.getLogger(__name__)

BUILD_TASK = "reporting.tasks.build_activity_report"


def report_request(
    *, scope: Scope, parameters: list[tuple[str, str]], scope_label: str, by: User
) -> ActivityReport:
    """Ask for the activity report of ``scope`` (its period and filters): kept with its
    parameters, built after commit by a task (PDF and XLSX)."""
    with transaction.atomic():
        report = ActivityReport.objects.create(
            period_start=scope.period.start,
            period_end=scope.period.end,
            period_kind=scope.period.kind.value,
            period_label=scope.period.label,
            scope_label=scope_label[:400],
            parameters=[list(pair) for pair in parameters],
            filters=asdict(scope.filters),
            offices=None if scope.offices is None else sorted(scope.offices),
            small_cell=suppression.threshold(),
            requested_by=by,
            step=_("En attente d'un travailleur"),
        )
        audit.record(
            by=by,
            action="reporting.report_request",
            summary=_("Rapport d'activité demandé : %(period)s") % {"period": report.period_label},
            obj=report,
        )
        queue_on_commit(BUILD_TASK, report.pk)
    return report


def _progress(report_id: int, percent: int, step: str) -> None:
    # Outside any transaction: the page that polls sees each step as it happens.
    ActivityReport.objects.filter(pk=report_id).update(progress=percent, step=step[:120])


def report_scope(report: ActivityReport, *, today: date) -> Scope:
    return Scope(
        period=Period(report.period_start, report.period_end, PeriodKind(report.period_kind)),
        today=today,
        offices=None if report.offices is None else frozenset(report.offices),
        filters=Filters(**report.filters),
    )


def report_build(report_id: int) -> bool:
    """Build a report's figures, workbook and PDF (the task's work). Safe to run twice: a
    report already built, or being built by another worker, is left alone. Returns
    whether this call built it."""
    with transaction.atomic():
        report = (
            ActivityReport.objects.select_for_update(skip_locked=True)
            .filter(pk=report_id, status__in=[ActivityReport.Status.QUEUED])
            .first()
        )
        if report is None:
            return False
        report.status = ActivityReport.Status.RUNNING
        report.progress = 5
        report.step = _("Calcul des chiffres")
        report.save(update_fields=["status", "progress", "step"])
    started = time.monotonic()
    try:
        today = timezone.localdate()
        board = indicators.dashboard(report_scope(report, today=today))
        _progress(report.pk, 55, _("Classeur XLSX"))
        meta = {
            "centre": centre_snapshot().get("name", ""),
            "period": report.period_label,
            "scope": report.scope_label,
            "generated": documents.generated_label(timezone.localtime()),
        }
        workbook = documents.workbook(board, meta=meta, limit=report.small_cell)
        _progress(report.pk, 70, _("Mise en page du PDF"))
        pdf = documents.report_pdf(board, meta=meta, limit=report.small_cell)
        _progress(report.pk, 95, _("Enregistrement"))
        name = f"rapport-activite-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}"
        report.xlsx.save(f"{name}.xlsx", ContentFile(workbook), save=False)
        report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
        report.status = ActivityReport.Status.READY
        report.progress = 100
        report.step = _("Prêt")
        report.finished_at = timezone.now()
        report.seconds = round(time.monotonic() - started, 2)
        report.save(
            update_fields=["xlsx", "pdf", "status", "progress", "step", "finished_at", "seconds"]
        )
    except Exception as error:
        logger.exception("Activity report %s failed", report.pk)
        ActivityReport.objects.filter(pk=report.pk).update(
            status=ActivityReport.Status.FAILED,
            step=_("Échec"),
            error=type(error).__name__[:500],
            finished_at=timezone.now(),
        )
        return False  # seen on the reports' page; asking again builds a new one
    return True
