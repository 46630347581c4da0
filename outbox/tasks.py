"""Celery tasks of the outbox: thin, take ids, safe to deliver twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from outbox.services import Outcome, dispatch_requeue_stale, dispatch_send

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    max_retries=None,
    soft_time_limit=settings.OUTBOX_SEND_TIME_LIMITS[0],
    time_limit=settings.OUTBOX_SEND_TIME_LIMITS[1],
)
def send_dispatch(self: Task, dispatch_id: int) -> str:
    """Send one dispatch. The row counts its attempts (``attempts_allowed``, from
    ``OUTBOX_MAX_ATTEMPTS``): retries wait with exponential backoff, capped below the
    broker's visibility timeout, then the row is left failed. Its short time limit lets
    the watch take back a row left « sending » by a dead worker within minutes."""
    outcome, retry_in = dispatch_send(dispatch_id, worker=self.request.hostname or "")
    if outcome is Outcome.RETRY:
        raise self.retry(countdown=retry_in)
    return outcome.value


@shared_task
def outbox_watch() -> dict[str, int]:
    """Every minute (beat): re-queue what dead workers or a broker outage left behind."""
    result = {"requeued": dispatch_requeue_stale()}
    if any(result.values()):
        logger.info("Outbox watch: %s", result)
    return result
