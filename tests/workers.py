"""A real Celery worker in a thread, for integration tests: the broker is Redis when
REDIS_URL is set (CI), otherwise Kombu's in-memory transport (same process)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from cainamur.celery import app


@contextmanager
def running_worker(concurrency: int = 1) -> Iterator[None]:
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()  # nothing left over from another run
    try:
        pool = "solo" if concurrency == 1 else "threads"
        with start_worker(
            app,
            pool=pool,
            concurrency=concurrency,
            perform_ping_check=False,
            shutdown_timeout=20,
        ):
            yield
    finally:
        app.conf.task_always_eager = previous


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
