"""Celery tasks of the path: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from cainamur.celery import retry_countdown
from cainamur.pdf import pdf_failed
from parcours.documents import convention_pdf_store
from parcours.models import Convention

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=4)
def render_convention_pdf(self: Task, convention_id: int) -> None:
    """Render the convention's PDF and store it, once (skipped when already stored).

    A passing failure (disk, storage) is retried with backoff; after the last attempt, or on
    any other error, the convention shows "échec" with a button to try again.
    """

    try:
        convention_pdf_store(convention_id=convention_id)
    except OSError as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=retry_countdown(self.request.retries)) from error
        pdf_failed(Convention, convention_id, error)
        logger.exception("Convention %s: PDF failed", convention_id)
    except Exception as error:
        pdf_failed(Convention, convention_id, error)
        logger.exception("Convention %s: PDF failed", convention_id)
    else:
        logger.info("Convention %s rendered", convention_id)
