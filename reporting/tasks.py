"""Celery tasks of the reporting app: thin."""

from __future__ import annotations

from celery import shared_task

from reporting import cache, services, summaries


@shared_task(soft_time_limit=240, time_limit=300)
def build_activity_report(report_id: int) -> bool:
    """Build an activity report (figures, XLSX, PDF); safe to run twice."""
    return services.report_build(report_id)


@shared_task(soft_time_limit=8 * 60, time_limit=9 * 60)
def warm_dashboards() -> int:
    """Compute the dashboards people usually open (beat, every few minutes): they get the
    figures from the cache instead of waiting for them."""
    return cache.warm()


@shared_task(soft_time_limit=10 * 60, time_limit=11 * 60)
def rebuild_summaries() -> int:
    """Compute the dashboard's summaries again from their tables (beat, each night): the
    triggers keep them current, this repairs anything that slipped past them."""
    return summaries.rebuild()
