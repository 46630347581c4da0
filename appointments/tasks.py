"""Celery tasks of appointments: thin, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from appointments.services import appointments_mark_missed, reminders_queue

logger = logging.getLogger(__name__)


@shared_task
def mark_missed_appointments() -> int:
    """Nightly (beat): past appointments nobody checked in become « non pointé », which the
    person's file flags."""

    count = appointments_mark_missed()
    logger.info("%s past appointment(s) marked as not checked in", count)
    return count


@shared_task
def queue_reminders() -> int:
    """Every 15 minutes (beat): tomorrow's reminders, once the reminder hour has come."""

    count = reminders_queue()
    if count:
        logger.info("%s appointment reminder(s) queued", count)
    return count
