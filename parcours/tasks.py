"""Celery tasks of the path: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_convention_pdf(convention_id: int) -> None:
    """Render the convention's PDF and store it, once (skipped when already stored)."""
    from parcours.documents import convention_pdf_store

    convention_pdf_store(convention_id=convention_id)
    logger.info("Convention %s rendered", convention_id)
