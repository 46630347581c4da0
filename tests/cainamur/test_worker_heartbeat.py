"""Workers say they are alive and consuming: their heartbeat goes through the broker, is
run by the worker, and lands in PostgreSQL, where /health/ reads it. Real parts: a Redis
server of the test's own (restarted at will), Celery workers in their own processes
(killed with SIGKILL), the test database."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from cainamur import workers
from cainamur.celery import app
from cainamur.embedded_db import connection_url
from tests.broker import (
    RedisServer,
    broker_at,
    kill_worker,
    redis_server,
    start_worker_process,
    stop_worker,
)
from tests.workers import wait_for

PERIOD = 1  # seconds between heartbeats in these tests (30 in production)

needs_redis = pytest.mark.skipif(
    not RedisServer.available(), reason="redis-server is not installed"
)


# --- The rules, directly ------------------------------------------------------------------


def test_a_worker_is_stuck_only_when_the_broker_answers_and_nothing_explains_the_silence(
    settings: Any,
) -> None:
    settings.CAI_WORKER_HEARTBEAT_SECONDS = 30
    limit = workers.STUCK_PERIODS * 30  # 2 minutes

    def stuck(
        age: float | None,
        *,
        connected: float | None = 600.0,
        disconnected: float | None = None,
        sent: bool = True,
        busy: bool = False,
    ) -> bool:
        return workers.stuck(
            age=age, connected=connected, disconnected=disconnected, sent=sent, busy=busy
        )

    assert stuck(limit + 1)
    assert not stuck(limit - 1)
    assert stuck(None)  # connected for 10 minutes, never heard of
    assert not stuck(limit + 1, sent=False)  # the broker is down: a restart would not help
    # Its tasks keep the pool busy (within their time limit): heartbeats wait their turn.
    assert not stuck(limit + 1, busy=True)
    # Just reconnected: the heartbeats sent since have not had the time to come back.
    assert not stuck(limit + 1, connected=5.0)
    # The broker is back but the consumer never reconnected.
    assert not stuck(5.0, connected=None, disconnected=30.0)  # Celery retries within 30 s
    assert stuck(5.0, connected=None, disconnected=limit + 1)


def test_health_says_degraded_for_a_stale_or_missing_worker(
    client: Client, db: None, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cainamur.models import WorkerHeartbeat

    settings.CAI_WORKER_HEARTBEAT_SECONDS = 30
    with broker_at(settings.REDIS_URL or "memory://"):
        body = client.get("/health/").json()
        assert body["status"] == "degraded" and body["checks"]["workers"] == "none"
        now = timezone.now()
        WorkerHeartbeat.objects.create(hostname="w1@a", pid=1, started_at=now, seen_at=now)
        response = client.get("/health/")
        assert response.status_code == 200 and response.json()["status"] == "ok"
        WorkerHeartbeat.objects.create(
            hostname="w2@b", pid=2, started_at=now, seen_at=now - timedelta(minutes=2)
        )
        response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200  # the pages work: alert, do not take it out
    assert body["status"] == "degraded" and body["checks"]["workers"] == "stale"
    assert body["workers"]["count"] == 2 and body["workers"]["stale"] == 1
    assert body["workers"]["oldest_heartbeat_seconds"] >= 120
    assert "w2@b" not in response.content.decode()  # no names on a public endpoint
    assert workers.heartbeat_ages().keys() == {"w1@a", "w2@b"}  # the metrics have them


# --- Real workers -------------------------------------------------------------------------


@pytest.fixture
def broker() -> Iterator[RedisServer]:
    if not RedisServer.available():
        pytest.skip("redis-server is not installed")
    with redis_server() as server, broker_at(server.url()):
        yield server


@pytest.fixture
def worker_env(broker: RedisServer, transactional_db: None, settings: Any) -> dict[str, str]:
    settings.CAI_WORKER_HEARTBEAT_SECONDS = PERIOD  # here (for /health/) as in the worker
    return dict(
        os.environ,
        DJANGO_DEBUG="1",
        DATABASE_URL=connection_url(settings.DATABASES["default"]),
        REDIS_URL=broker.url(),
        CAI_CACHE_URL=broker.url(1),
        CAI_WORKER_HEARTBEAT_SECONDS=str(PERIOD),
    )


@pytest.fixture
def log() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "worker.log"


def health(client: Client) -> dict[str, Any]:
    return dict(client.get("/health/").json())


def heartbeat_after(name: str, moment: float) -> bool:
    ages = workers.heartbeat_ages()
    return name in ages and ages[name] < time.time() - moment


@needs_redis
def test_a_killed_worker_goes_stale_on_health(
    client: Client, worker_env: dict[str, str], log: Path
) -> None:
    with log.open("wb") as output:
        worker = start_worker_process("killed@test", worker_env, log=output)
        try:
            assert wait_for(lambda: health(client)["checks"]["workers"] == "ok", timeout=60)
            assert health(client)["status"] == "ok"
            kill_worker(worker)  # SIGKILL, pool included
            killed_at = time.monotonic()
            assert wait_for(lambda: health(client)["checks"]["workers"] == "stale", timeout=20)
        finally:
            stop_worker(worker)
    # Stale once three periods have passed without a heartbeat: seconds, not minutes.
    assert time.monotonic() - killed_at < 3 * PERIOD + 5
    body = health(client)
    assert body["status"] == "degraded" and body["workers"]["stale"] == 1


@needs_redis
def test_a_worker_survives_a_broker_restart_and_consumes_again(
    broker: RedisServer, worker_env: dict[str, str], log: Path
) -> None:
    with log.open("wb") as output:
        worker = start_worker_process("survivor@test", worker_env, log=output)
        try:
            assert wait_for(lambda: "survivor@test" in workers.heartbeat_ages(), timeout=60)
            for _restart in range(2):
                broker.restart(down_for=3)
                restarted = time.time()
                # Its own heartbeats go through the broker again: it consumes.
                assert wait_for(partial(heartbeat_after, "survivor@test", restarted), timeout=45)
            assert worker.poll() is None
        finally:
            stop_worker(worker)
    text = log.read_text()
    assert "Connection to broker lost" in text  # the restarts were seen
    # The reconnection itself raises nothing (with gossip it did, at every restart).
    assert "AttributeError" not in text and "Error on restarting" not in text


@needs_redis
def test_a_worker_that_stops_consuming_restarts_itself(
    worker_env: dict[str, str], log: Path
) -> None:
    name = "deaf@test"
    with log.open("wb") as output:
        worker = start_worker_process(name, worker_env, log=output)
        try:
            assert wait_for(lambda: name in workers.heartbeat_ages(), timeout=60)
            # It stops consuming its own queue (as a consumer left deaf by a broker
            # restart): its heartbeats pile up unread while the broker takes them.
            app.control.cancel_consumer(f"{name}.dq2", destination=[name], reply=True)
            try:
                worker.wait(timeout=workers.STUCK_PERIODS * PERIOD + 30)
            except subprocess.TimeoutExpired:
                pytest.fail("the deaf worker did not stop by itself")
        finally:
            stop_worker(worker)
    assert "its heartbeats stopped coming back although the broker takes them" in (log.read_text())
