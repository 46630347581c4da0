"""Throughput under load: gunicorn with the production settings, driven by locust.

    python -m bench.load --users 16 --seconds 60 --json

Seeds a throw-away database on the server in use (DATABASE_URL or the embedded
PostgreSQL) with ``seed_demo --beneficiaries N`` (default 100,000) and one account per
simulated person (half reception, half caseworkers, each with their authenticator app),
collects the static files, starts gunicorn (``gunicorn.conf.py``, ``DJANGO_DEBUG`` off,
static files by WhiteNoise, the cache and sessions' cache on Redis) on 127.0.0.1, waits
for /health/, then runs locust headless (bench/locustfile.py) for ``--seconds`` with
``--users`` people working without think time, each logged in once with the second
factor. Prints ``{"rps", "p50_ms", "p95_ms", "errors", "requests", ...}`` (also written to
``bench/results/load.json``) with the slowest pages and the gunicorn setting used.

``--sweep`` runs the same load against several worker/thread settings one after the other
and reports each; ``--workers``/``--threads`` choose one. Locust runs on the same two
cores as the server: it takes part of the machine, as the report says.

Target: >= 100 requests per second, 0 errors, p95 <= 250 ms on two cores.

``--scenario public-booking`` (bench/public_booking.py) instead has ``--people`` (50)
newcomers book the same ``--slots`` (10) moments on /rdv/ at the same instant, on a small
demo (``--beneficiaries`` 300 by default): target 10 bookings, 40 fresh offers, 0 errors,
and the database holding each moment once.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import redis

from bench import ROOT, public_booking, save_result

#: Development keys seed_demo encrypts with (DJANGO_DEBUG=1); gunicorn runs in production
#: mode over the same rows, so it is given the same keys.
DEV_DATA_KEYS = "ZGV2ZWxvcG1lbnQtb25seS1rZXktbmV2ZXItaW4tcHI="
DEV_INDEX_KEY = "development-only-index-key-never-in-production"
PASSWORD = "charge-de-test-2026"
#: The production default of CAI_PUBLIC_MIN_SECONDS (production_env drops CAI_ settings).
PUBLIC_MIN_SECONDS = 3
#: (workers, threads) tried by --sweep.
SWEEP = ((2, 1), (3, 1), (4, 1), (2, 4), (3, 4))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(users: int) -> dict[str, Any]:
    """In the benchmark database (Django set up on it): the simulated people's accounts
    and what they will look for."""
    import random

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from appointments.models import AppointmentType
    from beneficiaries.models import Beneficiary
    from cainamur.roles import Role
    from cainamur.services import user_set_roles
    from offices.models import Office

    rng = random.Random(2026)  # noqa: S311 - sampling, not security
    office = Office.objects.get(code="namur")
    User = get_user_model()
    accounts = []
    for i in range(users):
        role = Role.RECEPTION if i % 2 == 0 else Role.CASEWORKER
        user, _ = User.objects.update_or_create(
            username=f"charge-{i:02d}",
            defaults={
                "first_name": "Charge",
                "last_name": f"N{i:02d}",
                "email": f"charge-{i:02d}@bench.cainamur.test",
                "is_active": True,
            },
        )
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        key = secrets.token_hex(20)
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="Banc de charge", key=key, confirmed=True)
        user_set_roles(user=user, roles=[role])
        user.offices.set([office])
        accounts.append(
            {
                "username": user.username,
                "password": PASSWORD,
                "key": key,
                "role": "reception" if role == Role.RECEPTION else "caseworker",
                # Each person behind the proxy at an address of their own, as in an office.
                "address": f"10.0.{i // 200}.{i % 200 + 1}",
            }
        )
    files = list(
        Beneficiary.objects.filter(office=office).order_by("?").values_list("pk", flat=True)[:500]
    )
    people = list(
        Beneficiary.objects.filter(pk__in=files[:200]).values(
            "last_name", "first_names", "file_number"
        )
    )
    terms: list[str] = []
    for person in people:
        last = person["last_name"].split()[0]
        first = (person["first_names"] or "x").split()[0]
        terms += [last[:4], f"{first} {last}", person["file_number"], last.lower()]
    rng.shuffle(terms)
    kind = AppointmentType.objects.filter(is_group=False).order_by("pk").first()
    assert kind is not None, "seed_demo creates the appointment types"
    return {
        "users": accounts,
        "files": files,
        "terms": terms,
        "office": office.pk,
        "type": kind.pk,
        "homes": {"reception": "/accueil/", "caseworker": "/accompagnement/"},
    }


def production_env(database_url: str, redis_url: str, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CAI_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CAI_DATA_KEYS=DEV_DATA_KEYS,
        CAI_INDEX_KEY=DEV_INDEX_KEY,
        CAI_PROXY_COUNT="1",
        CAI_STATIC_ROOT=static_root,
        CAI_LOG_LEVEL="WARNING",
        EMAIL_HOST="127.0.0.1",
    )
    return env


def run_gunicorn(
    env: dict[str, str], *, workers: int, threads: int, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cainamur.wsgi",
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    with log.open("ab") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    host = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{host}/health/", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return server, host
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /health/ within 60 s (see {log})")


def run_locust(host: str, sample: Path, *, users: int, seconds: int, work: Path) -> dict[str, Any]:
    prefix = work / "locust"
    env = dict(os.environ, CAI_LOAD_SAMPLE=str(sample))
    env.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=(work / "locust.log").open("wb"),
    )
    with (work / "locust_stats.csv").open() as stats_file:
        rows = list(csv.DictReader(stats_file))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    pages = sorted(
        (
            {
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
            }
            for row in rows
            if row["Name"] != "Aggregated"
        ),
        key=lambda page: -float(page["p95_ms"]),
    )
    failures = []
    failures_file = work / "locust_failures.csv"
    if failures_file.exists():
        with failures_file.open() as handle:
            failures = [
                {"name": row["Name"], "error": row["Error"][:200], "count": int(row["Occurrences"])}
                for row in csv.DictReader(handle)
            ]
    return {
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "errors": int(total["Failure Count"]),
        "requests": int(total["Request Count"]),
        "pages": pages,
        "failures": failures,
    }


def run_self(env: dict[str, str], *arguments: str) -> str:
    """This script in a process of its own (Django set up on the benchmark's database, in
    development mode): what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "bench.load", *arguments],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout


def run_public(
    args: argparse.Namespace,
    env: dict[str, str],
    dev_env: dict[str, str],
    redis_url: str,
    work: Path,
    *,
    workers: int,
    threads: int,
) -> dict[str, Any]:
    """The public-booking race against gunicorn, then the database's count."""
    redis.Redis.from_url(redis_url).flushdb()  # rate-limit counters start at zero
    server, host = run_gunicorn(env, workers=workers, threads=threads, log=work / "gunicorn.log")
    try:
        result = public_booking.race(
            host, people=args.people, slots=args.slots, min_seconds=PUBLIC_MIN_SECONDS
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    counted = run_self(dev_env, "--count-public", json.dumps(result["wanted"]))
    return {
        "scenario": "public-booking",
        **result,
        "database": json.loads(counted.strip().splitlines()[-1]),
        "beneficiaries": args.beneficiaries,
        "online_share": args.online_share,
        "workers": workers,
        "threads": threads,
        "cpus": os.cpu_count(),
    }


def public_summary(result: dict[str, Any]) -> str:
    held = result["database"]
    return (
        f"{result['people']} people, {result['slots']} moments ({result['online_share']} % "
        f"online): {result['booked']} booked, "
        f"{result['fresh_offers']} fresh offers, {result['errors']} errors; the database holds "
        f"{held['appointments_booked']} appointments on {held['distinct_moments']} moments; "
        f"all answered in {result['all_answered_s']} s (slowest {result['slowest_answer_ms']} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("staff", "public-booking"), default="staff")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--people", type=int, default=50, help="public-booking: people")
    parser.add_argument("--slots", type=int, default=10, help="public-booking: moments")
    parser.add_argument(
        "--online-share", type=int, default=100, help="public-booking: %% opened online"
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--beneficiaries", type=int, default=0, help="default 100,000 (300)")
    parser.add_argument("--workers", type=int, default=0, help="default: the chosen setting")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--sweep", action="store_true", help="try several worker settings")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--prepare", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count-public", default="", help=argparse.SUPPRESS)
    parser.add_argument("--open-online", type=int, default=-1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    public = args.scenario == "public-booking"
    args.beneficiaries = args.beneficiaries or (300 if public else 100_000)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"  # seed_demo only runs in development mode
    sys.path.insert(0, str(ROOT))
    import django

    if args.prepare:
        django.setup()
        print(json.dumps(prepare(args.prepare)))
        return
    if args.open_online >= 0:
        django.setup()
        public_booking.open_online(args.open_online)
        return
    if args.count_public:
        django.setup()
        print(json.dumps(public_booking.count_in_database(json.loads(args.count_public))))
        return

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cainamur.embedded_db import connection_url

    name = "cainamur_bench_load"
    database_url = connection_url(settings.DATABASES["default"], name=name)
    redis_url = os.environ.get("CAI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    dev_env = dict(os.environ, DATABASE_URL=database_url)
    dev_env.pop("REDIS_URL", None)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    servers: list[subprocess.Popen[bytes]] = []
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=dev_env, check=True)
        subprocess.run(
            [*manage, "seed_demo", "--beneficiaries", str(args.beneficiaries)],
            env=dev_env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if public:
            run_self(dev_env, "--open-online", str(args.online_share))
        settings_to_try = SWEEP if args.sweep else ((args.workers or 3, args.threads or 1),)
        if public:
            settings_to_try = settings_to_try[:1]
        runs = []
        with tempfile.TemporaryDirectory(prefix="cai-load-") as tmp:
            work = Path(tmp)
            static_root = str(work / "static")
            env = production_env(database_url, redis_url, static_root)
            subprocess.run(
                [*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True, cwd=ROOT
            )
            for workers, threads in settings_to_try:
                if public:
                    runs.append(
                        run_public(
                            args, env, dev_env, redis_url, work, workers=workers, threads=threads
                        )
                    )
                    continue
                # New accounts each run: a code is accepted once per device.
                sample = work / "sample.json"
                prepared = run_self(dev_env, "--prepare", str(args.users))
                sample.write_text(prepared.strip().splitlines()[-1])
                redis.Redis.from_url(redis_url).flushdb()  # a cold cache, no old sessions
                server, host = run_gunicorn(
                    env, workers=workers, threads=threads, log=work / "gunicorn.log"
                )
                servers.append(server)
                try:
                    result = run_locust(
                        host, sample, users=args.users, seconds=args.seconds, work=work
                    )
                finally:
                    server.terminate()
                    server.wait(timeout=30)
                runs.append({"workers": workers, "threads": threads, **result})
    finally:
        for server in servers:
            if server.poll() is None:
                server.kill()
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    if public:
        save_result("load_public_booking", runs[0])
        print(json.dumps(runs[0]) if args.json else public_summary(runs[0]))
        return
    best = max(runs, key=lambda run: (run["errors"] == 0, run["rps"]))
    result = {
        **{key: best[key] for key in ("rps", "p50_ms", "p95_ms", "errors", "requests")},
        "users": args.users,
        "seconds": args.seconds,
        "beneficiaries": args.beneficiaries,
        "workers": best["workers"],
        "threads": best["threads"],
        "cpus": os.cpu_count(),
        "slowest": best["pages"][:5],
        "failures": best["failures"][:5],
        "runs": [
            {key: run[key] for key in ("workers", "threads", "rps", "p50_ms", "p95_ms", "errors")}
            for run in runs
        ],
    }
    save_result("load", result)
    if args.json:
        print(json.dumps(result))
    else:
        for run in result["runs"]:
            print(
                f"{run['workers']} workers x {run['threads']} threads: {run['rps']} req/s, "
                f"p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, {run['errors']} errors"
            )


if __name__ == "__main__":
    main()
