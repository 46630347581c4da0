"""Celery tasks of « actions groupées »: thin."""

from __future__ import annotations

from celery import shared_task

from bulk import services


@shared_task(soft_time_limit=540, time_limit=600)
def run_bulk_action(action_id: int) -> bool:
    """Run a bulk action over its files; safe to run twice."""
    return services.bulk_run(action_id)
