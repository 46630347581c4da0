"""Prometheus metrics at ``/metrics/``, for the monitoring server only.

Answered by a middleware placed before the host check and the HTTPS redirect (Prometheus
scrapes a web process by its address, over the internal network), and only to a request
that carries ``Authorization: Bearer <CAI_METRICS_TOKEN>`` and/or comes from an address of
``CAI_METRICS_ALLOWED_IPS`` (the connecting address, never a forwarded-for header; each one
set must be satisfied). With neither set, or to anyone else, it answers 404: nothing says
the endpoint exists.

What it exposes (names, ids and addresses never appear in a label):

* request latency and counts by view and method (django-prometheus' middleware:
  ``django_http_requests_latency_seconds_by_view_method`` and friends);
* ``cai_celery_queue_length{queue}``: tasks waiting in the broker (Redis lists), and
  ``cai_celery_unacked_tasks``: tasks a worker has taken and not finished;
* ``cai_outbox_messages{status}``: outgoing messages queued, sending, failed or waiting for
  an address, and ``cai_outbox_oldest_queued_age_seconds``;
* ``cai_read_log_failures_total``: reads the read log could not record (``cainamur/reads.py``);
* ``cai_worker_heartbeat_age_seconds{worker}``: seconds since each Celery worker's last
  heartbeat, and ``cai_celery_enqueue_failures_total``: tasks the broker could not take
  (``cainamur/workers.py``);
* ``cai_metrics_collector_up{collector}``: 0 when one of the above could not be read.

The application's figures are read when Prometheus scrapes (a few indexed queries), never
kept in a process. With several gunicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` names a
folder they share (emptied at each start; ``gunicorn.conf.py`` marks a dead worker's
files), so that any worker answers for all of them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Iterable, Iterator

import prometheus_client
import redis
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cainamur import reads, workers
from cainamur.celery import app as celery_app

logger = logging.getLogger(__name__)

METRICS_PATHS = ("/metrics", "/metrics/")
#: Statuses of outgoing messages that still need something (sent and cancelled ones only
#: grow, and are not read at each scrape).
OUTBOX_OPEN_STATUSES = ("queued", "sending", "failed", "needs_address")
#: kombu's Redis transport: a queue's priority lists are ``<queue>\x06\x16<priority>``.
KOMBU_PRIORITY_SEPARATOR = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
KOMBU_UNACKED_KEY = "unacked"


def networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``CAI_METRICS_ALLOWED_IPS``: addresses or networks (``10.0.0.0/24``); raises
    ValueError on a malformed one (the system check reports it)."""
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def may_scrape(request: HttpRequest) -> bool:
    token: str | None = settings.CAI_METRICS_TOKEN
    allowed: list[str] = settings.CAI_METRICS_ALLOWED_IPS
    if not token and not allowed:
        return False
    if token:
        scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not constant_time_compare(given.strip(), token):
            return False
    if allowed:
        try:
            # The connecting address itself: Prometheus scrapes a gunicorn port directly,
            # and a forwarded-for header is whatever the caller wrote there.
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
            if not any(address in network for network in networks(allowed)):
                return False
        except ValueError:
            return False
    return True


# --- What the application knows -------------------------------------------------------------


def outbox_metrics() -> Iterator[Metric]:
    # By name: the outbox is a floor above (its own code stays unaware of metrics).
    dispatch = apps.get_model("outbox", "Dispatch")
    counts = dict(
        dispatch.objects.filter(status__in=OUTBOX_OPEN_STATUSES)
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    messages = GaugeMetricFamily(
        "cai_outbox_messages",
        "Outgoing messages still to send or fix, by status.",
        labels=["status"],
    )
    for status in OUTBOX_OPEN_STATUSES:
        messages.add_metric([status], counts.get(status, 0))
    yield messages
    oldest = dispatch.objects.filter(status="queued").aggregate(oldest=Min("created_at"))["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    yield GaugeMetricFamily(
        "cai_outbox_oldest_queued_age_seconds",
        "Age of the oldest queued outgoing message (0 when none is queued).",
        value=max(age, 0.0),
    )


def queue_names() -> list[str]:
    return sorted({str(name) for name in celery_app.amqp.queues} | {"celery"})


def celery_metrics() -> Iterator[Metric]:
    """Broker lists' lengths; nothing without a broker (tasks then run in the web process)."""
    if not settings.REDIS_URL:
        return
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        lengths = GaugeMetricFamily(
            "cai_celery_queue_length", "Tasks waiting in the broker, by queue.", labels=["queue"]
        )
        for queue in queue_names():
            keys = [queue] + [
                f"{queue}{KOMBU_PRIORITY_SEPARATOR}{step}" for step in KOMBU_PRIORITY_STEPS if step
            ]
            lengths.add_metric([queue], sum(int(client.llen(key)) for key in keys))
        yield lengths
        yield GaugeMetricFamily(
            "cai_celery_unacked_tasks",
            "Tasks taken by a worker and not acknowledged yet.",
            value=int(client.hlen(KOMBU_UNACKED_KEY)),
        )
    finally:
        client.close()


def read_log_metrics() -> Iterator[Metric]:
    yield CounterMetricFamily(
        "cai_read_log_failures",
        "Reads the read log could not record (the page was served).",
        value=reads.failures(),
    )


def worker_metrics() -> Iterator[Metric]:
    """Seconds since each Celery worker's last heartbeat (``cainamur/workers.py``), and the
    tasks the broker could not take."""
    ages = GaugeMetricFamily(
        "cai_worker_heartbeat_age_seconds",
        "Seconds since each Celery worker last reported alive.",
        labels=["worker"],
    )
    for worker, age in sorted(workers.heartbeat_ages().items()):
        ages.add_metric([worker], age)
    yield ages
    yield CounterMetricFamily(
        "cai_celery_enqueue_failures",
        "Tasks the broker could not take (picked up later by the watches).",
        value=workers.enqueue_failures(),
    )


COLLECTORS: dict[str, Callable[[], Iterable[Metric]]] = {
    "outbox": outbox_metrics,
    "celery": celery_metrics,
    "read_log": read_log_metrics,
    "workers": worker_metrics,
}


class ApplicationCollector(Collector):
    """Reads the figures above at each scrape; one that fails is reported as down and the
    others are still given."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "cai_metrics_collector_up",
            "1 when the application's figures could be read, by source.",
            labels=["collector"],
        )
        for name, collect in COLLECTORS.items():
            try:
                metrics = list(collect())
            except Exception:
                logger.exception("Metrics: could not read %s", name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from metrics
        yield up


def exposition() -> bytes:
    """The whole page: the processes' metrics (all workers' in multiprocess mode), then the
    application's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        processes = prometheus_client.generate_latest(registry)
    else:
        processes = prometheus_client.generate_latest(prometheus_client.REGISTRY)
    application = CollectorRegistry(auto_describe=False)
    application.register(ApplicationCollector())
    return processes + prometheus_client.generate_latest(application)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return HttpResponseNotFound()
    response = HttpResponse(exposition(), content_type=prometheus_client.CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response


class MetricsEndpointMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in METRICS_PATHS and request.method in ("GET", "HEAD"):
            return metrics_view(request)
        return self.get_response(request)
