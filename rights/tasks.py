"""Celery tasks of the rights app: thin."""

from __future__ import annotations

import logging

from celery import shared_task

from rights import retention

logger = logging.getLogger(__name__)


@shared_task
def retention_nightly() -> dict[str, int]:
    """Every night (beat): anonymise or delete what has outlived its retention period."""
    counts = retention.run()
    logger.info("Retention run: %s", counts)
    return counts
