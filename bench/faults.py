"""Faults and recovery: attestations issued through the real view while a Celery worker is
killed three times mid-send and Redis goes down (and comes back) once.

    python -m bench.faults --attestations 200 --json

Seeds its own throw-away database (on the server in use: DATABASE_URL or the embedded
PostgreSQL) with ``seed_demo`` and ``attestations`` obliged people whose path is complete
(half of them helped by a CPAS: 1.5 copies per attestation). Then, in a separate process:

- its own ``redis-server`` on a free port (the broker and the cache; saved to disk when it
  stops, as a packaged Redis), never the shared one;
- an SMTP server on localhost (aiosmtpd) that counts what it receives by Message-ID, and
  answers each message after 0.2 s (so that kills land while mails are in flight);
- two Celery workers in their own processes, started as in production (README,
  Deploying); the first is killed with SIGKILL (pool included) three times while it is
  sending a copy, and started again 5 seconds later (systemd's ``RestartSec``);
- the watches (``outbox_watch``, ``attestations_watch``) sent every 10 seconds instead of
  every minute: the only setting shortened for the bench;
- a caseworker issuing the attestations one after the other through the real view (POST,
  then the file page it is sent back to); Redis is stopped for 15 seconds while she does
  (with ``--redis-loses-data`` it comes back empty: every queued task is lost, and the
  watches find the work again in the database).

Prints one JSON object, also written to ``bench/results/faults.json``: ``attestations``
(issued), ``copies`` (owed), ``copies_delivered`` (received by the SMTP server), ``lost``,
``duplicate_attestations``, ``duplicate_mails`` (mails received more than once; those with
the same Message-ID in ``duplicate_mails_same_message_id``), ``mails_in_flight_at_kills``,
``kills``, ``redis_restarts``, ``redis_down_seconds``, ``drain_seconds`` (from the end of
the last fault to the last copy received), ``issue_errors_shown`` (error pages the
caseworker saw), ``issue_seconds``, ``issue_slowest_seconds``, ``enqueue_failures`` (as
/health/ counts them), ``worker_log_errors`` (tracebacks in the workers' logs, kept in
``bench/results/faults-logs/``).

Targets: every copy delivered, 0 lost, 0 duplicate attestations, duplicate mails at most
the mails in flight at the kills (same Message-ID), drained within 3 minutes after the last
fault, 0 error pages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import ROOT, last_json_line, save_result

WATCH_PERIOD = 10.0  # seconds (production: 60)
SMTP_DELAY = 0.2  # seconds before the SMTP server answers a message
RESTART_AFTER = 5.0  # seconds before a killed worker is started again
REDIS_DOWN = 15.0  # seconds
DRAIN_TIMEOUT = 600.0  # seconds after the last fault before giving up
KILLED, STEADY = "faults-1@bench", "faults-2@bench"
LOGS = ROOT / "bench" / "results" / "faults-logs"


@dataclass
class Faults:
    """What the fault thread did, and when."""

    kills: int = 0
    in_flight: int = 0
    redis_restarts: int = 0
    redis_down_seconds: float = 0.0
    ended_at: float = 0.0  # monotonic time the last fault was over
    log: list[str] = field(default_factory=list)


def measure(count: int, smtp_delay: float, *, redis_keeps_data: bool) -> dict[str, Any]:
    """Runs in a process whose DATABASE_URL is the benchmark database and whose REDIS_URL
    is the port its own Redis server will listen on."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.db.models import Count
    from django.urls import reverse

    from attestations.models import Attestation
    from bench import verified_client
    from bench.attestations import prepare
    from cainamur import workers
    from cainamur.celery import app
    from cainamur.embedded_db import connection_url
    from offices.models import Office
    from outbox.models import Dispatch
    from parcours.models import Parcours
    from tests.broker import RedisServer, kill_worker, start_worker_process, stop_worker
    from tests.smtp import Inbox, smtp_server

    class SlowInbox(Inbox):
        """Accepts each message, then takes ``smtp_delay`` to say so."""

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            answer = await super().handle_DATA(server, session, envelope)
            await asyncio.sleep(smtp_delay)
            return answer

    redis_url = str(settings.REDIS_URL)
    redis = RedisServer(int(redis_url.rsplit(":", 1)[1].split("/")[0]), persist=redis_keeps_data)
    redis.start()
    path_ids = prepare(count)
    app.control.purge()  # the conventions' PDFs the preparation queued: not measured here
    caseworker = get_user_model().objects.get(username="accompagnement")
    caseworker.offices.set(Office.objects.all())  # the paths prepared are in every office
    paths = list(
        Parcours.objects.filter(pk__in=path_ids).order_by("id").values_list("beneficiary_id")
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    logs: list[Path] = []
    issued = 0
    errors = 0
    slowest = 0.0
    faults = Faults()
    stop = threading.Event()

    def watches() -> None:
        """Celery beat's part, with a shorter period."""
        while not stop.wait(WATCH_PERIOD):
            for task in ("outbox.tasks.outbox_watch", "attestations.tasks.attestations_watch"):
                try:
                    app.send_task(task, retry=False)
                except Exception as error:  # Redis is down: beat fails the same way
                    faults.log.append(f"watch not sent: {type(error).__name__}")

    with smtp_server(SlowInbox()) as (inbox, port):
        env = dict(
            os.environ,
            DATABASE_URL=connection_url(settings.DATABASES["default"]),
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(port),
            EMAIL_USE_TLS="0",
            EMAIL_USE_SSL="0",
        )

        def start(name: str) -> subprocess.Popen[bytes]:
            path = LOGS / f"{name.split('@')[0]}-{len(logs)}.log"
            logs.append(path)
            with path.open("wb") as output:
                return start_worker_process(name, env, log=output)

        running = {KILLED: start(KILLED), STEADY: start(STEADY)}
        deadline = time.monotonic() + 120
        while not {KILLED, STEADY} <= workers.heartbeat_ages().keys():
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start")
            time.sleep(0.2)

        def kill_mid_send() -> None:
            sending = Dispatch.objects.filter(status="sending", sending_by=KILLED)
            deadline = time.monotonic() + 20
            while not sending.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            in_flight = sending.count()
            kill_worker(running[KILLED])
            faults.kills += 1
            faults.in_flight += in_flight
            faults.log.append(f"kill {faults.kills}: {in_flight} mail(s) in flight")
            time.sleep(RESTART_AFTER)
            running[KILLED] = start(KILLED)

        def redis_outage() -> None:
            down = time.monotonic()
            redis.stop()
            time.sleep(REDIS_DOWN)
            redis.start()
            faults.redis_restarts += 1
            faults.redis_down_seconds = round(time.monotonic() - down, 1)

        def inject() -> None:
            """Each fault once the caseworker has issued this share of the attestations,
            and at least 8 seconds after the previous one."""
            plan = [(0.15, kill_mid_send), (0.35, redis_outage)]
            plan += [(0.6, kill_mid_send), (0.8, kill_mid_send)]
            last = time.monotonic()
            try:
                for share, fault in plan:
                    while issued < share * count or time.monotonic() - last < 8:
                        time.sleep(0.05)
                    fault()
                    last = time.monotonic()
            finally:
                faults.ended_at = time.monotonic()
                connections.close_all()

        beat = threading.Thread(target=watches, daemon=True)
        beat.start()
        injector = threading.Thread(target=inject)
        injector.start()

        client = verified_client(caseworker)
        client.raise_request_exception = False
        started = time.monotonic()
        for (beneficiary_id,) in paths:
            t0 = time.monotonic()
            response = client.post(
                reverse("attestations:issue", args=[beneficiary_id]), follow=True
            )
            slowest = max(slowest, time.monotonic() - t0)
            if response.status_code != 200 or "délivrée" not in response.content.decode():
                errors += 1
            issued += 1
        issue_seconds = time.monotonic() - started
        injector.join()

        ours = Attestation.objects.filter(parcours_id__in=path_ids)
        copies = Dispatch.objects.filter(
            attestation__in=ours, purpose=Dispatch.Purpose.ATTESTATION_COPY
        )
        expected = copies.count()

        def delivered() -> int:
            received = {r.message["Message-ID"] for r in list(inbox.received)}
            ids = copies.exclude(message_id="").values_list("message_id", flat=True)
            return sum(1 for message_id in ids if message_id in received)

        deadline = faults.ended_at + DRAIN_TIMEOUT
        while delivered() < expected and time.monotonic() < deadline:
            time.sleep(0.5)
        drained_at = time.monotonic()
        time.sleep(3)  # a late duplicate would arrive now
        stop.set()
        for process in running.values():
            stop_worker(process)
        redis.close()
        received = list(inbox.received)

    by_id = Counter(r.message["Message-ID"] for r in received)
    by_copy = Counter((r.message["Subject"], tuple(r.recipients)) for r in received)
    delivered_count = delivered()
    worker_errors = sum(
        path.read_text(errors="replace").count("Traceback") for path in logs if path.exists()
    )
    return {
        "attestations": ours.count(),
        "copies": expected,
        "copies_delivered": delivered_count,
        "lost": expected - delivered_count,
        "duplicate_attestations": ours.values("parcours")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "duplicate_mails": sum(n - 1 for n in by_copy.values()),
        "duplicate_mails_same_message_id": sum(n - 1 for n in by_id.values()),
        "mails_in_flight_at_kills": faults.in_flight,
        "kills": faults.kills,
        "redis_restarts": faults.redis_restarts,
        "redis_down_seconds": faults.redis_down_seconds,
        "redis_kept_its_data": redis_keeps_data,
        "drain_seconds": round(max(0.0, drained_at - faults.ended_at), 1),
        "issue_errors_shown": errors,
        "issue_seconds": round(issue_seconds, 1),
        "issue_slowest_seconds": round(slowest, 2),
        "enqueue_failures": workers.enqueue_failures(),
        "worker_log_errors": worker_errors,
        "watch_period_seconds": WATCH_PERIOD,
        "faults": faults.log,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attestations", type=int, default=200)
    parser.add_argument("--smtp-delay", type=float, default=SMTP_DELAY)
    parser.add_argument(
        "--redis-loses-data",
        action="store_true",
        help="Redis comes back empty (no snapshot): the queues are lost, the watches recover",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"  # seed_demo and its demo accounts need it
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    if args.measure:
        result = measure(
            args.attestations, args.smtp_delay, redis_keeps_data=not args.redis_loses_data
        )
        print(json.dumps(result))
        return

    from tests.smtp import free_port

    port = free_port()  # the Redis server of the measuring process
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ["CAI_CACHE_URL"] = f"redis://127.0.0.1:{port}/1"
    import django

    django.setup()
    from bench import throwaway_database

    with throwaway_database("cainamur_bench_faults", keep=args.keep) as url:
        env = dict(os.environ, DATABASE_URL=url)
        # Demo data without a broker: its own few attestations are rendered in process.
        seed_env = {k: v for k, v in env.items() if k not in ("REDIS_URL", "CAI_CACHE_URL")}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=seed_env, check=True)
        subprocess.run(
            [*manage, "seed_demo", "--beneficiaries", str(max(600, args.attestations * 4))],
            env=seed_env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.faults",
                "--measure",
                "--attestations",
                str(args.attestations),
                "--smtp-delay",
                str(args.smtp_delay),
                *(["--redis-loses-data"] if args.redis_loses_data else []),
            ],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        ).stdout
    result = last_json_line(out)
    save_result("faults-redis-loses-data" if args.redis_loses_data else "faults", result)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['attestations']} attestations, {result['copies_delivered']}/"
            f"{result['copies']} copies delivered, {result['lost']} lost, "
            f"{result['duplicate_mails']} duplicate mails ({result['mails_in_flight_at_kills']}"
            f" in flight at {result['kills']} kills), drained {result['drain_seconds']} s "
            f"after the last fault, {result['issue_errors_shown']} error pages"
        )


if __name__ == "__main__":
    main()
