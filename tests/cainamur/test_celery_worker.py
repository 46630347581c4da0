"""Celery with a real worker thread: the broker is Redis when REDIS_URL is set (CI),
otherwise Kombu's in-memory transport. Tasks are queued on commit, never before."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from cainamur.celery import app
from cainamur.tasks import clear_expired_sessions
from tests.workers import running_worker, wait_for


@pytest.fixture
def worker() -> Iterator[None]:
    with running_worker():
        yield


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_task_after_commit(worker: None) -> None:
    expired = timezone.now() - timezone.timedelta(hours=1)
    with transaction.atomic():
        Session.objects.create(session_key="stale", session_data="", expire_date=expired)
        clear_expired_sessions.delay_on_commit()
        # Still inside the transaction: nothing was sent, the worker cannot have run.
        time.sleep(0.5)
        assert Session.objects.filter(session_key="stale").exists()
    assert wait_for(lambda: not Session.objects.filter(session_key="stale").exists())


@pytest.mark.django_db(transaction=True)
def test_rolled_back_work_queues_nothing(worker: None) -> None:
    expired = timezone.now() - timezone.timedelta(hours=1)
    Session.objects.create(session_key="kept", session_data="", expire_date=expired)
    with pytest.raises(RuntimeError), transaction.atomic():
        clear_expired_sessions.delay_on_commit()
        raise RuntimeError("rolled back")
    time.sleep(1.5)
    assert Session.objects.filter(session_key="kept").exists()


@pytest.fixture
def eager() -> Iterator[None]:
    """The mode used when no REDIS_URL is configured."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_eager_mode_without_a_broker_still_waits_for_commit(
    db: None, django_capture_on_commit_callbacks: object, eager: None
) -> None:
    expired = timezone.now() - timezone.timedelta(hours=1)
    Session.objects.create(session_key="stale", session_data="", expire_date=expired)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        clear_expired_sessions.delay_on_commit()
        assert Session.objects.filter(session_key="stale").exists()
    assert not Session.objects.filter(session_key="stale").exists()


def test_plain_delay_in_eager_mode_also_waits_for_commit(
    db: None, django_capture_on_commit_callbacks: object, eager: None
) -> None:
    expired = timezone.now() - timezone.timedelta(hours=1)
    Session.objects.create(session_key="stale", session_data="", expire_date=expired)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        clear_expired_sessions.delay()
        assert Session.objects.filter(session_key="stale").exists()
    assert len(callbacks) == 1
    assert not Session.objects.filter(session_key="stale").exists()


def test_retry_delays_are_capped_below_the_visibility_timeout() -> None:
    from django.conf import settings as django_settings

    assert clear_expired_sessions.retry_backoff_max == django_settings.CELERY_MAX_RETRY_DELAY
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert clear_expired_sessions.retry_backoff_max + app.conf.task_time_limit < visibility
