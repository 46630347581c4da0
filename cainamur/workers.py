"""Are the Celery workers alive and consuming? Their heartbeat, and the count of tasks the
broker could not take.

Each worker process sends, every ``CAI_WORKER_HEARTBEAT_SECONDS``, a small task to its own
queue (``CELERY_WORKER_DIRECT``), through the broker like any task; the worker consumes it
and runs it in its pool, and the task records the time in PostgreSQL
(``WorkerHeartbeat``). A heartbeat that grows old therefore means the worker died, or
stopped consuming (a broker restart can leave a worker connected but deaf), or the broker
is down. ``/health/`` reports it (``heartbeat_ages``, reused by the metrics), and a worker
whose consumer stops receiving its own heartbeats while the broker takes them and none of
its tasks is running asks to be restarted: it shuts down and its supervisor (systemd,
``Restart=always``) starts it again. The outbox uses the heartbeat too: what a worker left
« sending » is taken back as soon as a worker of that name has started again.

Models are looked up through the app registry: this module is loaded with the Celery app,
before Django's models.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from celery import bootsteps
from celery.signals import task_received
from celery.worker import state as worker_state
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from cainamur.celery import BROKER_ERRORS, app, enqueue_failure_listeners

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "cainamur.tasks.worker_heartbeat"
ENQUEUE_FAILURES = "enqueue"
#: Heartbeats older than this are forgotten (a worker renamed or retired for good).
FORGET_AFTER = timedelta(hours=1)
#: A worker stuck this many periods (and idle) restarts itself.
STUCK_PERIODS = 4
#: After asking for a warm shutdown, a worker still there this long later exits at once.
EXIT_GRACE_SECONDS = 60.0


def period() -> float:
    return float(settings.CAI_WORKER_HEARTBEAT_SECONDS)


def stale_after() -> float:
    """A heartbeat older than this (seconds) is stale on /health/."""
    return 3 * period()


# --- Reading (health, metrics) ------------------------------------------------------------


def heartbeat_ages(now: datetime | None = None) -> dict[str, float]:
    """Seconds since each known worker's last heartbeat, by worker name (``celery@host``);
    workers not heard of for an hour are left out."""
    now = now or timezone.now()
    heartbeat = apps.get_model("cainamur", "WorkerHeartbeat")
    rows = heartbeat.objects.filter(seen_at__gte=now - FORGET_AFTER).values_list(
        "hostname", "seen_at"
    )
    return {hostname: max(0.0, (now - seen_at).total_seconds()) for hostname, seen_at in rows}


def workers_check(ages: dict[str, float]) -> str:
    """``ok`` (every known worker heard of lately), ``stale`` (one is not), ``none``."""
    if not ages:
        return "none"
    return "stale" if max(ages.values()) > stale_after() else "ok"


def enqueue_failures() -> int:
    """Tasks the broker could not take since the database was created (all processes)."""
    counter = apps.get_model("cainamur", "FailureCount")
    return int(
        counter.objects.filter(name=ENQUEUE_FAILURES).values_list("count", flat=True).first() or 0
    )


# --- Writing ------------------------------------------------------------------------------


def failure_count(name: str) -> None:
    """Add one to a failure count, in one statement (concurrent processes add up)."""
    table = apps.get_model("cainamur", "FailureCount")._meta.db_table
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (name, count, last_at) VALUES (%s, 1, %s) "  # noqa: S608 - the model's own table
                f"ON CONFLICT (name) DO UPDATE SET count = {table}.count + 1, "
                "last_at = EXCLUDED.last_at",
                [name, timezone.now()],
            )
    except DatabaseError:
        logger.warning("Could not count a %s failure", name)


def enqueue_failed(task_name: str) -> None:  # noqa: ARG001 - counted all together
    failure_count(ENQUEUE_FAILURES)


def heartbeat_record(hostname: str, *, pid: int, started: float) -> None:
    """The worker ``hostname`` consumed its heartbeat now."""
    heartbeat = apps.get_model("cainamur", "WorkerHeartbeat")
    now = timezone.now()
    heartbeat.objects.update_or_create(
        hostname=hostname,
        defaults={
            "pid": pid,
            "started_at": datetime.fromtimestamp(started, tz=timezone.get_current_timezone()),
            "seen_at": now,
        },
    )
    heartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER * 24).delete()


def heartbeat_forget(hostname: str) -> None:
    """A worker stopped on purpose is not a stale one."""
    heartbeat = apps.get_model("cainamur", "WorkerHeartbeat")
    heartbeat.objects.filter(hostname=hostname).delete()


# --- In the worker ------------------------------------------------------------------------


def busy(now: float, *, time_limit: float) -> bool:
    """One of this worker's tasks is running and may still be (within the hard time
    limit): its heartbeats may be waiting for a free pool process."""
    try:
        starts = [r.time_start for r in list(worker_state.active_requests)]
    except RuntimeError:  # changed while read by the event loop: take it as busy
        return True
    return any(start is None or now - start < time_limit for start in starts)


#: Celery retries a lost broker connection every 2, 4, 6… seconds, at most 30 s apart: a
#: consumer still not connected this long after the broker answers again will not be.
RECONNECT_GRACE_SECONDS = 60.0


def stuck(
    *,
    age: float | None,
    connected: float | None,
    disconnected: float | None,
    sent: bool,
    busy: bool,
) -> bool:
    """This worker should be restarted: the broker takes its heartbeats (``sent``), yet
    - connected for ``connected`` seconds, none came back for ``STUCK_PERIODS`` periods
      (``age``: since the last one, None if never) and no running task explains it; or
    - its consumer lost the connection ``disconnected`` seconds ago and never got it back.
    """
    if not sent:
        return False  # the broker is down: restarting would not help
    if disconnected is not None:
        return disconnected > max(RECONNECT_GRACE_SECONDS, STUCK_PERIODS * period())
    if connected is None or busy:
        return False
    silent = connected if age is None else min(age, connected)
    return silent > STUCK_PERIODS * period()


class HeartbeatThread(threading.Thread):
    """Sends this worker's heartbeat to its own queue, and watches that its consumer
    receives it. It never touches the database: the process forks its pool while it runs
    (the heartbeat task, run by the pool, records the time)."""

    def __init__(self, hostname: str) -> None:
        super().__init__(name="cai-heartbeat", daemon=True)
        self.hostname = hostname
        self.started = time.time()
        self.stopping = threading.Event()
        self.restart_asked_at: float | None = None
        # Set by the consumer: on each (re)connection and loss of it, and when it receives
        # one of its heartbeats (``heartbeat_received``).
        self.connected_at: float | None = None
        self.disconnected_at: float | None = None
        self.received_at: float | None = None

    def run(self) -> None:
        # The first one at once: a worker that started again says so within seconds (the
        # outbox takes back at once what it left « sending »).
        while True:
            try:
                self.beat()
            except Exception:  # never let the watcher die
                logger.exception("Worker heartbeat: unexpected error")
            if self.stopping.wait(period()):
                return

    def send(self) -> bool:
        try:
            app.tasks[HEARTBEAT_TASK].apply_async(
                (self.hostname, os.getpid(), self.started),
                exchange="C.dq2",
                routing_key=self.hostname,
                expires=STUCK_PERIODS * period(),
                retry=False,
            )
        except BROKER_ERRORS:
            return False
        return True

    def beat(self) -> None:
        sent = self.send()
        now = time.time()
        if self.restart_asked_at is not None:
            if now - self.restart_asked_at > EXIT_GRACE_SECONDS:
                logger.error("Worker %s: still not stopped; exiting now", self.hostname)
                os._exit(70)  # EX_SOFTWARE; the supervisor starts it again
            return
        received = self.received_at
        age = None if received is None else now - received
        limit = float(settings.CELERY_TASK_TIME_LIMIT) + period()
        connected, disconnected = self.connected_at, self.disconnected_at
        if stuck(
            age=age,
            connected=None if connected is None else now - connected,
            disconnected=None if disconnected is None else now - disconnected,
            sent=sent,
            busy=busy(now, time_limit=limit),
        ):
            logger.error(
                "Worker %s: its heartbeats stopped coming back although the broker takes "
                "them (last one %s s ago); restarting",
                self.hostname,
                "never" if age is None else round(age),
            )
            self.restart_asked_at = now
            os.kill(os.getpid(), signal.SIGTERM)  # warm shutdown, then the supervisor


class Heartbeat(bootsteps.StartStopStep):
    """Consumer bootstep: one heartbeat thread per worker process, started with the first
    connection and kept across reconnections."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.thread: HeartbeatThread | None = None

    def start(self, parent: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # a worker embedded in another program (the tests' worker thread)
        if self.thread is None:
            gossip = parent.blueprint.steps.get("celery.worker.consumer.gossip.Gossip")
            if gossip is not None and gossip.enabled:
                # Its channels cannot be closed while the broker is down: each broker
                # restart then logs AttributeErrors from the restart of the consumer.
                logger.warning(
                    "Worker %s: start it with --without-gossip --without-mingle "
                    "--without-heartbeat (README, Deploying)",
                    parent.hostname,
                )
            global _thread  # one per process, read by the signal receiver
            self.thread = _thread = HeartbeatThread(parent.hostname)
            self.thread.start()
        self.thread.connected_at, self.thread.disconnected_at = time.time(), None

    def stop(self, parent: Any) -> None:  # noqa: ARG002 - a bootstep's signature
        # Called when the broker connection is lost (the consumer restarts).
        if self.thread is not None:
            self.thread.connected_at, self.thread.disconnected_at = None, time.time()

    def shutdown(self, parent: Any) -> None:
        if self.thread is None:
            return
        self.thread.stopping.set()
        try:
            heartbeat_forget(parent.hostname)
        except DatabaseError:
            logger.warning("Worker %s: could not clear its heartbeat", parent.hostname)


#: The heartbeat thread of this worker process, if it runs one.
_thread: HeartbeatThread | None = None


@task_received.connect
def heartbeat_received(sender: Any = None, request: Any = None, **kwargs: Any) -> None:  # noqa: ARG001 - a signal receiver
    """The consumer received a heartbeat of this worker: it consumes."""
    if _thread is not None and request is not None and request.name == HEARTBEAT_TASK:
        _thread.received_at = time.time()


def install() -> None:
    """Called once Django is ready (``CainamurConfig.ready``)."""
    if enqueue_failed not in enqueue_failure_listeners:
        enqueue_failure_listeners.append(enqueue_failed)
    app.steps["consumer"].add(Heartbeat)
