"""Attestations end to end: render speed, and issue → PDF → copies mailed, through the real
parts.

    python -m bench.attestations --count 200 --json

Seeds its own throw-away database (on the server in use: DATABASE_URL or the embedded
PostgreSQL) with ``seed_demo`` and ``count`` obliged people whose path is complete (half
of them helped by a CPAS, so a copy goes to the commune and, for those, to the CPAS).
Starts an SMTP server on localhost (aiosmtpd, in this process) and a Celery worker with two
worker processes (prefork) on Redis (``REDIS_URL``, default redis://127.0.0.1:6379/13).

Then it measures, in a separate process:

- ``render_median_ms`` / ``render_p95_ms``: rendering one attestation (snapshot → PDF
  bytes) in a warm process, ``renders`` times (1,000) over the ``count`` attestations' own
  snapshots in turn;
- ``end_to_end_seconds``: from the first issue to the last copy marked sent, for ``count``
  attestations issued one after the other by a caseworker (each in its own transaction);
- ``mails_received`` and ``duplicate_mails`` (same Message-ID or same attestation and
  recipient twice) as counted by the SMTP server;
- ``rss_growth_mb``: resident memory after the last of the ``renders`` renders minus after
  the 100th (a leak of a few kB per render shows as megabytes).

Prints one JSON object, also written to ``bench/results/attestations.json``.
Targets: render median <= 150 ms on this machine (WeasyPrint's layout of the page is the
floor), no memory growth over 1,000 renders (< 5 MB), 200 attestations end to end <= 30 s,
no duplicate.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from bench import ROOT, last_json_line, percentile, save_result

DEFAULT_REDIS = "redis://127.0.0.1:6379/13"


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def prepare(count: int) -> list[int]:
    """Complete ``count`` paths of obliged people, through the services; returns their ids."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from beneficiaries.models import Beneficiary, Commune, Cpas
    from parcours.services import PathError
    from tests.factories import complete_path

    Commune.objects.filter(population_email="").update(population_email="population@bench.test")
    Cpas.objects.filter(email="").update(email="cpas@bench.test")
    caseworker = get_user_model().objects.get(username="accompagnement")
    candidates = list(
        Beneficiary.objects.filter(obligation_status="obliged", paths__isnull=True).order_by("id")
    )
    start = timezone.localdate() - timedelta(days=90)
    paths: list[int] = []
    for beneficiary in candidates:
        if len(paths) == count:
            break
        Beneficiary.objects.filter(pk=beneficiary.pk).update(cpas_support=len(paths) % 2 == 0)
        beneficiary.refresh_from_db()
        try:
            # tests.factories.complete_path returns a Parcours, typed object there.
            path = complete_path(beneficiary, caseworker, start=start)
            paths.append(path.pk)  # type: ignore[attr-defined]
        except PathError:
            continue  # not yet obliged on that date (registered since): next one
    if len(paths) < count:
        raise SystemExit(f"only {len(paths)} paths could be completed: seed more files")
    return paths


def measure(count: int, renders: int) -> dict[str, Any]:
    """Runs in a process whose DATABASE_URL is the benchmark database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from attestations.documents import attestation_render
    from attestations.models import Attestation
    from attestations.services import attestation_issue
    from outbox.models import Dispatch
    from parcours.models import Parcours

    path_ids = prepare(count)
    caseworker = get_user_model().objects.get(username="accompagnement")

    started = time.perf_counter()
    issued = [
        attestation_issue(parcours=parcours, by=caseworker).pk  # one transaction each
        for parcours in Parcours.objects.filter(pk__in=path_ids).order_by("id")
    ]
    copies = Dispatch.objects.filter(attestation_id__in=issued)
    expected = copies.count()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if copies.filter(status__in=["sent", "failed", "needs_address"]).count() == expected:
            break
        time.sleep(0.05)
    end_to_end = time.perf_counter() - started
    statuses = Counter(copies.values_list("status", flat=True))

    # Render speed in this (warm) process, over the attestations' own snapshots.
    snapshots = list(
        Attestation.objects.filter(pk__in=issued).order_by("id").values_list("snapshot", flat=True)
    )
    for snapshot in snapshots[:20]:
        attestation_render(snapshot)  # warm-up: fonts, stylesheets, templates
    timings, rss_at = [], {}
    for index in range(1, renders + 1):
        snapshot = snapshots[(index - 1) % len(snapshots)]
        t0 = time.perf_counter()
        attestation_render(snapshot)
        timings.append((time.perf_counter() - t0) * 1000)
        if index in (100, 250, 500, 750) or index == renders:
            gc.collect()
            rss_at[index] = round(rss_mb(), 1)
    rss_growth = rss_at[renders] - rss_at[100] if 100 in rss_at else 0.0
    return {
        "render_median_ms": round(statistics.median(timings), 1),
        "render_p95_ms": round(percentile(timings, 0.95), 1),
        "issued": len(issued),
        "end_to_end_seconds": round(end_to_end, 1),
        "copies": expected,
        "copies_sent": statuses.get("sent", 0),
        "copies_not_sent": {k: v for k, v in statuses.items() if k != "sent"},
        "renders": renders,
        "rss_growth_mb": round(rss_growth, 1),
        "rss_mb_after_render": rss_at,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--renders", type=int, default=1000, help="renders timed (memory)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"  # seed_demo and its demo accounts need it
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    sys.path.insert(0, str(ROOT))
    if args.measure:
        print(json.dumps(measure(args.count, args.renders)))
        return

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cainamur.embedded_db import connection_url
    from tests.smtp import smtp_server

    name = "cainamur_bench_attestations"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    worker = None
    try:
        with smtp_server() as (inbox, port):
            env = dict(
                os.environ,
                DATABASE_URL=connection_url(settings.DATABASES["default"], name=name),
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(port),
                EMAIL_USE_TLS="0",
                EMAIL_USE_SSL="0",
                CAI_RETRY_BASE_SECONDS="1",
            )
            manage = [sys.executable, str(ROOT / "manage.py")]
            # Demo data without the broker nor the SMTP server: its own few attestations
            # are rendered and "mailed" (to var/mail/) in process, before the clock starts.
            seed_env = {
                k: v for k, v in env.items() if k not in ("REDIS_URL", "EMAIL_HOST", "EMAIL_PORT")
            }
            subprocess.run([*manage, "migrate", "-v0"], env=seed_env, check=True)
            subprocess.run(
                [*manage, "seed_demo", "--beneficiaries", str(max(600, args.count * 4))],
                env=seed_env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            from cainamur.celery import app

            app.conf.broker_url = env["REDIS_URL"]
            app.control.purge()
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "cainamur",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5):
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise SystemExit("the Celery worker did not start (is Redis running?)")
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.attestations",
                    "--measure",
                    "--count",
                    str(args.count),
                    "--renders",
                    str(args.renders),
                ],
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            ).stdout
            time.sleep(2)  # a late duplicate would arrive now
            received = list(inbox.received)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    result = last_json_line(out)
    ids = Counter(r.message["Message-ID"] for r in received)
    pairs = Counter((r.message["Subject"], tuple(r.recipients)) for r in received)
    duplicates = sum(n - 1 for n in ids.values()) + sum(n - 1 for n in pairs.values())
    result = {
        "render_median_ms": result["render_median_ms"],
        "render_p95_ms": result["render_p95_ms"],
        "issued": result["issued"],
        "end_to_end_seconds": result["end_to_end_seconds"],
        "mails_received": len(received),
        "duplicate_mails": duplicates,
        "copies": result["copies"],
        "copies_not_sent": result["copies_not_sent"],
        "renders": result["renders"],
        "rss_growth_mb": result["rss_growth_mb"],
        "rss_mb_after_render": result["rss_mb_after_render"],
    }
    save_result("attestations", result)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['issued']} attestations: render median {result['render_median_ms']} ms "
            f"(p95 {result['render_p95_ms']}), end to end {result['end_to_end_seconds']} s, "
            f"{result['mails_received']} mails, {result['duplicate_mails']} duplicates"
        )


if __name__ == "__main__":
    main()
