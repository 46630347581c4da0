"""Housekeeping tasks of the project itself (Celery beat)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from cainamur.exports import export_build, exports_expire, exports_watch
from cainamur.services import read_alert_mail, roles_change_mail
from cainamur.workers import heartbeat_record

logger = logging.getLogger(__name__)


@shared_task
def clear_expired_sessions() -> int:
    """Delete expired login sessions; safe to run twice."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    logger.info("Cleared %d expired sessions", deleted)
    return deleted


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def roles_change_notify(event_id: int) -> int:
    """Tell the superusers that someone's roles changed (the audit row's id only)."""
    return roles_change_mail(event_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def read_alert_notify(alert_id: int) -> int:
    """Tell the coordinators of an unusual reading (the alert's id only)."""
    return read_alert_mail(alert_id)


@shared_task(ignore_result=True)
def worker_heartbeat(hostname: str, pid: int, started: float) -> None:
    """A worker's heartbeat, sent by the worker to its own queue (cainamur/workers.py)."""
    heartbeat_record(hostname, pid=pid, started=started)


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def build_export(export_id: int) -> str:
    """Build a large export's file (the export's id only: its parameters stay in the
    database, encrypted); safe to run twice."""
    export = export_build(export_id)
    return "built" if export else "skipped"


@shared_task
def exports_watch_stale() -> dict[str, int]:
    """Queue again the exports still waiting; fail those a dead worker left (every minute)."""
    return exports_watch()


@shared_task
def exports_expire_files() -> int:
    """Delete the files of exports older than CAI_EXPORT_DAYS (nightly)."""
    return exports_expire()
