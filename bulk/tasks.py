"""Celery tasks of « actions groupées »: thin."""

from __future__ import annotations

import logging

from celery import shared_task

from bulk import services

logger = logging.getLogger(__name__)


@shared_task(soft_time_limit=services.RUN_TIME_LIMITS[0], time_limit=services.RUN_TIME_LIMITS[1])
def run_bulk_action(action_id: int) -> bool:
    """Run a bulk action over its files; safe to run twice."""
    return services.bulk_run(action_id)


@shared_task
def bulk_watch() -> dict[str, int]:
    """Every minute (beat): actions whose task was lost are queued again, actions whose
    worker died are resumed (or marked failed, to be resumed by a person)."""
    result = services.bulk_watch()
    if any(result.values()):
        logger.info("Bulk actions watch: %s", result)
    return result


@shared_task
def letters_expire() -> int:
    """Nightly: the merged letters of actions finished more than CAI_EXPORT_DAYS ago are
    deleted (built again on demand)."""
    return services.letters_expire()
