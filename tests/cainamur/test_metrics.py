"""/metrics/ (cainamur/metrics.py): only for the token or the listed addresses, 404 for
anyone else and when neither is configured; request latency, Celery queue depth, outbox
states and read-log failures; /health/ still answers liveness.

The queue depth is read from a real Redis: the broker of the run when REDIS_URL is set,
otherwise a private ``redis-server`` this module starts on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.apps import apps
from django.test import Client
from django.utils import timezone

from beneficiaries.models import Commune
from cainamur import metrics, reads, workers
from cainamur.checks import check_metrics_access
from outbox.models import Dispatch

TOKEN = "a-metrics-token-of-more-than-thirty-two-characters"


def scrape(client: Client, **headers: str) -> Any:
    return client.get("/metrics/", **headers)


def sample(text: str, name: str) -> float:
    """The value of one sample line (``name`` with its labels, exactly)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the page")


@pytest.fixture
def token(settings: Any) -> str:
    settings.CAI_METRICS_TOKEN = TOKEN
    settings.CAI_METRICS_ALLOWED_IPS = []
    return TOKEN


def test_unconfigured_metrics_answer_404(client: Client, settings: Any, db: None) -> None:
    settings.CAI_METRICS_TOKEN = None
    settings.CAI_METRICS_ALLOWED_IPS = []
    assert scrape(client).status_code == 404
    assert scrape(client, HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_only_the_token_opens_them(client: Client, token: str, db: None) -> None:
    assert scrape(client).status_code == 404
    assert scrape(client, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert scrape(client, HTTP_AUTHORIZATION=f"Basic {token}").status_code == 404
    # Prometheus scrapes a process by its address (not an allowed host), over plain HTTP.
    response = scrape(client, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]


def test_addresses_and_networks(client: Client, settings: Any, db: None) -> None:
    settings.CAI_METRICS_TOKEN = None
    settings.CAI_METRICS_ALLOWED_IPS = ["10.0.0.0/24", "192.0.2.9"]
    assert scrape(client, REMOTE_ADDR="10.0.0.7").status_code == 200
    assert scrape(client, REMOTE_ADDR="192.0.2.9").status_code == 200
    assert scrape(client, REMOTE_ADDR="10.0.1.7").status_code == 404
    # Both set: both are needed.
    settings.CAI_METRICS_TOKEN = TOKEN
    assert scrape(client, REMOTE_ADDR="10.0.0.7").status_code == 404
    ok = scrape(client, REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200
    assert (
        scrape(client, REMOTE_ADDR="10.9.9.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code
        == 404
    )


def test_a_forwarded_for_header_opens_nothing(client: Client, settings: Any, db: None) -> None:
    settings.CAI_METRICS_TOKEN = None
    settings.CAI_METRICS_ALLOWED_IPS = ["10.0.0.5"]
    settings.PROXY_COUNT = 1  # as in production: the other pages believe the proxy's header
    forged = scrape(client, REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR="10.0.0.5")
    assert forged.status_code == 404
    assert scrape(client, REMOTE_ADDR="10.0.0.5").status_code == 200


def test_the_checks_refuse_a_bad_network_and_a_short_token(settings: Any) -> None:
    settings.CAI_METRICS_ALLOWED_IPS = ["10.0.0.300"]
    settings.CAI_METRICS_TOKEN = "short"
    assert {error.id for error in check_metrics_access()} == {"cainamur.E008", "cainamur.E009"}
    settings.CAI_METRICS_ALLOWED_IPS = ["10.0.0.0/8", "::1"]
    settings.CAI_METRICS_TOKEN = TOKEN
    assert check_metrics_access() == []


def _dispatch(status: str, *, age: timedelta) -> Dispatch:
    row = Dispatch.objects.create(
        purpose=Dispatch.Purpose.ATTESTATION_COPY,
        recipient_kind=Dispatch.Recipient.COMMUNE,
        commune=Commune.objects.order_by("pk").first(),
        status=status,
    )
    Dispatch.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_outbox_states_read_log_failures_and_request_latency(
    client: Client, token: str, db: None
) -> None:
    _dispatch("queued", age=timedelta(minutes=42))
    _dispatch("queued", age=timedelta(minutes=1))
    _dispatch("failed", age=timedelta(days=2))
    _dispatch("sent", age=timedelta(days=3))
    reads._count_failure()
    reads._count_failure()
    client.get("/connexion/")  # a page, timed by the middleware
    text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    assert sample(text, 'cai_outbox_messages{status="queued"}') == 2
    assert sample(text, 'cai_outbox_messages{status="failed"}') == 1
    assert sample(text, 'cai_outbox_messages{status="sending"}') == 0
    assert 'status="sent"' not in text
    age = sample(text, "cai_outbox_oldest_queued_age_seconds")
    assert 42 * 60 <= age < 43 * 60
    assert sample(text, "cai_read_log_failures_total") == 2
    latency = 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="login"}'
    assert sample(text, latency) >= 1
    assert sample(text, 'cai_metrics_collector_up{collector="outbox"}') == 1
    assert "# TYPE cai_worker_heartbeat_age_seconds gauge" in text
    # Nothing about a person: no name, address or number in a label.
    assert "@" not in text


def test_a_source_that_fails_is_reported_and_the_others_still_given(
    client: Client, token: str, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Iterator[Any]:
        raise RuntimeError("database gone")
        yield  # a generator, as the real ones

    monkeypatch.setitem(metrics.COLLECTORS, "outbox", broken)
    response = scrape(client, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    text = response.content.decode()
    assert sample(text, 'cai_metrics_collector_up{collector="outbox"}') == 0
    assert sample(text, 'cai_metrics_collector_up{collector="read_log"}') == 1
    assert "cai_outbox_messages" not in text


def test_health_still_answers_liveness(client: Client, token: str, db: None) -> None:
    response = client.get("/health/", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200 and response.json()["status"] == "ok"


# --- Celery queue depth, from a real Redis -------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def broker_url(settings: Any) -> Iterator[str]:
    if settings.REDIS_URL:
        yield str(settings.REDIS_URL)
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("neither REDIS_URL nor a redis-server program to start a private one")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        settings.REDIS_URL = url
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_celery_queue_depth(
    client: Client, token: str, db: None, broker_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A queue of this test's own, so that no real task is touched.
    queue = f"cai-test-metrics-{uuid.uuid4().hex}"
    monkeypatch.setattr(metrics, "queue_names", lambda: [queue])
    broker = redis.Redis.from_url(broker_url)
    priority = f"{queue}{metrics.KOMBU_PRIORITY_SEPARATOR}3"
    try:
        broker.lpush(queue, "t1", "t2", "t3")
        broker.lpush(priority, "t4")
        text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    finally:
        broker.delete(queue, priority)
    assert sample(text, f'cai_celery_queue_length{{queue="{queue}"}}') == 4
    assert sample(text, "cai_celery_unacked_tasks") >= 0
    assert sample(text, 'cai_metrics_collector_up{collector="celery"}') == 1


def test_worker_heartbeat_ages_and_enqueue_failures(client: Client, token: str, db: None) -> None:
    # What cainamur/workers.py records: each worker's last heartbeat, the broker's refusals.
    heartbeat = apps.get_model("cainamur", "WorkerHeartbeat")
    failures = apps.get_model("cainamur", "FailureCount")
    now = timezone.now()
    heartbeat.objects.create(
        hostname="celery@web1",
        pid=12,
        started_at=now - timedelta(hours=1),
        seen_at=now - timedelta(seconds=90),
    )
    failures.objects.create(name=workers.ENQUEUE_FAILURES, count=3, last_at=now)
    text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    age = sample(text, 'cai_worker_heartbeat_age_seconds{worker="celery@web1"}')
    assert 90 <= age < 150
    assert sample(text, "cai_celery_enqueue_failures_total") == 3
    assert sample(text, 'cai_metrics_collector_up{collector="workers"}') == 1
