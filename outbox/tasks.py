"""Celery tasks of the outbox: thin, take ids, safe to deliver twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from cainamur.celery import retry_countdown

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None)
def send_dispatch(self, dispatch_id: int) -> str:  # type: ignore[no-untyped-def]
    """Send one dispatch. Retries with exponential backoff (capped below the broker's
    visibility timeout) up to ``OUTBOX_MAX_ATTEMPTS`` attempts, then leaves it failed."""
    from outbox.services import Outcome, dispatch_send

    attempt = self.request.retries + 1
    countdown = retry_countdown(self.request.retries)
    outcome = dispatch_send(
        dispatch_id,
        last_attempt=attempt >= settings.OUTBOX_MAX_ATTEMPTS,
        retry_in=countdown,
    )
    if outcome is Outcome.RETRY:
        raise self.retry(countdown=countdown)
    return outcome.value


@shared_task
def outbox_watch() -> dict[str, int]:
    """Every few minutes (beat): re-queue what dead workers left behind, report failures."""
    from attestations.services import attestation_pdfs_requeue
    from outbox.services import dispatch_requeue_stale, failures_report

    result = {
        "requeued": dispatch_requeue_stale(),
        "pdfs_requeued": attestation_pdfs_requeue(),
        "reported": failures_report(),
    }
    if any(result.values()):
        logger.info("Outbox watch: %s", result)
    return result
