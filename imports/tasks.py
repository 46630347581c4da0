"""Celery tasks of the imports app: thin."""

from __future__ import annotations

from celery import shared_task

from imports import services


@shared_task(soft_time_limit=540, time_limit=600)
def assess_imported(batch_id: int) -> int:
    """Assess the obligation of the files an import opened; safe to run twice."""
    return services.imported_assess(batch_id)


@shared_task
def sources_expire() -> dict[str, int]:
    """Nightly: confirmed lists' files deleted after 30 days, unconfirmed ones abandoned
    after 7."""
    return services.sources_expire()
