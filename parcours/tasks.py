"""Celery tasks of the path: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from cainamur.pdf import pdf_requeue_pending, pdf_task_run
from parcours.documents import convention_pdf_store
from parcours.models import Convention
from parcours.services import RENDER_TASK, obligations_reassess_nightly

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    max_retries=4,
    soft_time_limit=settings.PDF_TASK_TIME_LIMITS[0],
    time_limit=settings.PDF_TASK_TIME_LIMITS[1],
)
def render_convention_pdf(self: Task, convention_id: int) -> None:
    """Render the convention's PDF and store it, once (skipped when already stored)."""
    store = lambda pk: convention_pdf_store(convention_id=pk)  # noqa: E731
    if pdf_task_run(self, model=Convention, pk=convention_id, store=store):
        logger.info("Convention %s rendered", convention_id)


@shared_task
def obligations_nightly() -> int:
    """Every night (beat): files whose outcome changed with time (an 18th or 65th
    birthday) are assessed again, by « système »."""
    assessed = obligations_reassess_nightly()
    if assessed:
        logger.info("Nightly obligation run: %s files assessed again", assessed)
    return assessed


@shared_task
def conventions_watch() -> int:
    """Every minute (beat): convention PDFs whose task was lost (a worker died, the broker
    was down when it was queued) are queued again."""
    requeued = pdf_requeue_pending(Convention, task_name=RENDER_TASK, since="created_at")
    if requeued:
        logger.info("Conventions watch: %s PDFs queued again", requeued)
    return requeued
