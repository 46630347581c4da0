"""The Celery application.

Broker: ``REDIS_URL``. Without it, ``CELERY_TASK_ALWAYS_EAGER`` makes tasks run in the
calling process; ``CaiTask`` then still waits for the surrounding transaction to commit,
exactly as a task sent to a worker would only see committed rows.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from functools import partial
from typing import Any

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")

logger = logging.getLogger(__name__)

#: What a publish raises when the broker cannot take the message (kombu wraps the
#: connection errors of the transport in ``OperationalError``).
BROKER_ERRORS: tuple[type[BaseException], ...] = (OperationalError, OSError)


class CaiTask(DjangoTask):
    """Base task of the project.

    - In eager mode (no broker), a task queued inside a transaction runs after the commit,
      and not at all if it rolls back.
    - Retries never wait longer than ``CELERY_MAX_RETRY_DELAY``, which stays well below the
      broker's visibility timeout: a task waiting for its retry is never handed to a second
      worker.
    """

    @property
    def retry_backoff_max(self) -> int:
        return int(settings.CELERY_MAX_RETRY_DELAY)

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        if self.app.conf.task_always_eager and transaction.get_connection().in_atomic_block:
            transaction.on_commit(partial(super().apply_async, args, kwargs, **options))
            return None
        return super().apply_async(args, kwargs, **options)

    def retry(self, *args: Any, countdown: float | None = None, **kwargs: Any) -> Any:
        if countdown is not None:
            countdown = min(countdown, settings.CELERY_MAX_RETRY_DELAY)
        return super().retry(*args, countdown=countdown, **kwargs)


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: base × 2^retries (±20 %), never longer than
    ``CELERY_MAX_RETRY_DELAY`` (itself well below the broker's visibility timeout)."""
    base = float(settings.CAI_RETRY_BASE_SECONDS) * 2**retries
    jitter = random.uniform(0.8, 1.2)  # noqa: S311 - spreading retries, not a secret
    return min(base * jitter, float(settings.CELERY_MAX_RETRY_DELAY))


app = Celery("cainamur", task_cls=CaiTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


#: Called with the task's name when the broker refused a task (``cainamur.workers``
#: counts it in PostgreSQL, where /health/ reads it); filled at start-up.
enqueue_failure_listeners: list[Callable[[str], None]] = []


def _task(task_name: str) -> Any:
    if task_name not in app.tasks:
        app.loader.import_default_modules()  # fires the apps' tasks autodiscovery
    return app.tasks[task_name]


def enqueue(task_name: str, *args: Any, **options: Any) -> bool:
    """Send a task now; False when the broker could not take it.

    Never raises for a broker that is down: whatever queued the task is committed, and
    each kind of work has a watch that finds it in the database and queues it again (PDFs
    still « en préparation », messages still queued). The failure is logged, by task name
    and ids only, and counted where /health/ reports it."""
    task = _task(task_name)
    try:
        task.apply_async(args, **options)
    except BROKER_ERRORS as error:
        logger.warning(
            "Broker unavailable: task %s%s not queued (%s); its watch will queue it again",
            task_name,
            args,
            type(error).__name__,
        )
        for listener in enqueue_failure_listeners:
            listener(task_name)
        return False
    return True


def queue_on_commit(task_name: str, *args: Any) -> None:
    """Queue a task, by its name, once the surrounding transaction commits; a broker that
    is down then never turns the committed action into an error (``enqueue``).

    A service never imports its app's tasks module (the thin tasks import the services,
    not the other way round); it names the task instead; the loader imports every
    ``tasks.py`` of the installed apps when a name is not known yet."""
    task = _task(task_name)
    if app.conf.task_always_eager:
        task.delay_on_commit(*args)  # no broker: runs in this process after the commit
        return
    transaction.on_commit(partial(enqueue, task_name, *args))
