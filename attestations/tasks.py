"""Celery tasks of attestations: thin, take ids, safe to deliver twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from attestations.copies import copies_failures_report, copies_send
from attestations.documents import attestation_pdf_store
from attestations.models import Attestation
from attestations.services import attestation_pdfs_requeue
from cainamur.pdf import pdf_task_run

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    max_retries=4,
    soft_time_limit=settings.PDF_TASK_TIME_LIMITS[0],
    time_limit=settings.PDF_TASK_TIME_LIMITS[1],
)
def render_attestation_pdf(self: Task, attestation_id: int) -> None:
    """Render and store the attestation's PDF (once), then queue its copies: also when a
    previous delivery stored the PDF and died before queuing them (sending a copy twice
    sends one mail)."""
    pdf_task_run(
        self, model=Attestation, pk=attestation_id, store=attestation_pdf_store, then=copies_send
    )


@shared_task
def attestations_watch() -> dict[str, int]:
    """Every minute (beat): PDFs whose task was lost are queued again; coordinators hear
    once about copies that failed or wait for an address."""
    result = {
        "pdfs_requeued": attestation_pdfs_requeue(),
        "reported": copies_failures_report(),
    }
    if any(result.values()):
        logger.info("Attestations watch: %s", result)
    return result
