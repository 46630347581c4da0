"""Celery tasks of the reporting app: thin."""

from __future__ import annotations

from celery import shared_task

from reporting import services


@shared_task(soft_time_limit=240, time_limit=300)
def build_activity_report(report_id: int) -> bool:
    """Build an activity report (figures, XLSX, PDF); safe to run twice."""
    return services.report_build(report_id)
