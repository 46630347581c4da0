"""« Pilotage » at a realistic volume: the dashboard for a year and every office, against
the same figures counted by loading every object in Python; the annual report's build.

    python -m bench.reporting --beneficiaries 100000 --json

Seeds a throw-away database (``seed_demo --beneficiaries N`` then ``bench.volume``, as
``bench.pages`` does; ``--reuse NAME`` measures a database seeded before, e.g. one kept by
``bench.pages --keep``), then, in one process:

- ``dashboard_p95_ms``: the page ``/pilotage/`` for the current year as a coordinator,
  through the real view, the figures computed on every request (« Recalculer »: the cache
  bypassed); ``dashboard_cached_p95_ms``: the same page as people get it within ten
  minutes of the last computation;
- ``orm_p95_ms``: the same figures counted by iterating over the ORM objects in Python
  (``tests/reporting/reference.py``, the tests' independent count), and ``ratio``;
- ``drilldown_p95_ms``: a figure's files (the file list behind « Personnes reçues »);
- ``annual_report_seconds``: asking for the year's report and building it (figures,
  XLSX, PDF), as the task does;

then, on the same database, each in its own process:

- ``xlsx_rows``, ``xlsx_seconds``, ``xlsx_peak_mb``: the whole file list exported as XLSX
  by a coordinator, as the export task builds it (``bench.exports``);
- ``import_rows``, ``import_bad_rows_reported``, ``import_seconds``: a commune's list of
  5,000 lines with 100 bad ones uploaded, previewed and confirmed (``bench.imports``; the
  new files stay in a database kept with ``--keep`` or ``--reuse``).

Prints one JSON line and writes ``bench/results/reporting.json``. Targets: dashboard p95
<= 300 ms, at least 10 times faster than the ORM count, the annual report <= 20 s, the
XLSX <= 30 s and 300 MB, the import <= 20 s with every bad line reported.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import ROOT, percentile, save_result
from bench import exports as bench_exports

DATABASE = "cainamur_bench_reporting"
DASHBOARD_TARGET_MS = 300.0
RATIO_TARGET = 10.0
REPORT_TARGET_SECONDS = 20.0


def measure(requests: int, orm_runs: int) -> dict[str, Any]:
    """Runs inside a process whose DATABASE_URL is the seeded database."""
    import django

    django.setup()
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench import verified_client
    from beneficiaries.models import Beneficiary
    from cainamur.models import User
    from reporting import periods, services
    from reporting.forms import PilotageForm
    from reporting.scope import Scope
    from tests.reporting import reference

    today = timezone.localdate()
    coordinator = User.objects.get(username="coordination")
    client = verified_client(coordinator)
    client.defaults["HTTP_HOST"] = "127.0.0.1"  # development settings: a local host
    year = {"periode": "annee", "annee": str(today.year)}

    def timed(params: dict[str, str], url: str = "/pilotage/") -> tuple[float, int]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed, len(captured)

    for _n in range(2):  # warm-up: templates, connections
        timed({**year, "recalculer": "1"})
    cold = [timed({**year, "recalculer": "1"}) for _n in range(requests)]
    warm = [timed(year) for _n in range(requests)]
    drill = [timed({"pilotage": "received", **year}, url="/dossiers/")[0] for _n in range(requests)]

    scope = Scope(period=periods.year(today.year), today=today)
    orm: list[float] = []
    for _run in range(orm_runs):
        started = time.perf_counter()
        reference.files_figures(scope)
        reference.obligation(scope)
        reference.paths(scope)
        reference.attestation_deadlines(scope)
        reference.waits(scope)
        reference.appointments(scope)
        reference.desk(scope)
        orm.append((time.perf_counter() - started) * 1000)

    form = PilotageForm(
        QueryDict(f"periode=annee&annee={today.year}"), user=coordinator, today=today
    )
    assert form.is_valid()
    started = time.perf_counter()
    report = services.report_request(
        scope=form.scope(), parameters=form.query(), scope_label="tous les bureaux", by=coordinator
    )
    services.report_build(report.pk)
    report_seconds = time.perf_counter() - started
    report.refresh_from_db()
    assert report.status == "ready", report.status

    dashboard_p95 = percentile([ms for ms, _q in cold], 0.95)
    orm_p95 = percentile(orm, 0.95)
    result: dict[str, Any] = {
        "beneficiaries": Beneficiary.objects.count(),
        "period": str(today.year),
        "requests": requests,
        "dashboard_p50_ms": round(statistics.median(ms for ms, _q in cold), 1),
        "dashboard_p95_ms": round(dashboard_p95, 1),
        "dashboard_queries": max(q for _ms, q in cold),
        "dashboard_cached_p95_ms": round(percentile([ms for ms, _q in warm], 0.95), 1),
        "drilldown_p95_ms": round(percentile(drill, 0.95), 1),
        "orm_p95_ms": round(orm_p95, 1),
        "orm_runs": orm_runs,
        "ratio": round(orm_p95 / dashboard_p95, 1),
        "annual_report_seconds": round(report_seconds, 2),
    }
    misses = []
    if dashboard_p95 > DASHBOARD_TARGET_MS:
        misses.append(f"dashboard p95 {dashboard_p95:.0f} ms > {DASHBOARD_TARGET_MS:.0f} ms")
    if result["ratio"] < RATIO_TARGET:
        misses.append(f"ratio {result['ratio']} < {RATIO_TARGET:.0f}")
    if report_seconds > REPORT_TARGET_SECONDS:
        misses.append(f"annual report {report_seconds:.1f} s > {REPORT_TARGET_SECONDS:.0f} s")
    result["misses"] = misses
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--orm-runs", type=int, default=1, help="runs of the ORM count")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--reuse", default="", help="measure this database, seeded before")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-import", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"  # seed_demo and its demo accounts need it
    sys.path.insert(0, str(ROOT))
    if args.measure:
        print(json.dumps(measure(args.requests, args.orm_runs)))
        return
    if args.measure_import:
        import django

        django.setup()
        from bench.imports import measure_import

        # Other people at each run: a database measured again (--reuse) gets new files,
        # not a list it has already imported (which would create nothing).
        print(json.dumps(measure_import(rows=5000, bad=100, seed=int(time.time()))))
        return
    import django

    django.setup()
    if args.load:
        from bench import volume

        print(json.dumps(volume.load(rng=random.Random(2026), out=sys.stdout)))  # noqa: S311
        return
    from django.conf import settings
    from django.db import connection

    from cainamur.embedded_db import connection_url

    name = args.reuse or DATABASE
    env = dict(os.environ, DATABASE_URL=connection_url(settings.DATABASES["default"], name=name))
    env.pop("REDIS_URL", None)  # tasks in-process; the cache in local memory
    env.pop("CAI_CACHE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    try:
        if not args.reuse:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{DATABASE}"')
            subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
            subprocess.run(
                [*manage, "seed_demo", "--beneficiaries", str(args.beneficiaries)],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            subprocess.run(
                [sys.executable, "-m", "bench.reporting", "--load"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                cwd=ROOT,
            )
        else:
            subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        out = subprocess.run(
            [
                sys.executable, "-m", "bench.reporting", "--measure",
                "--requests", str(args.requests), "--orm-runs", str(args.orm_runs),
            ],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        ).stdout  # fmt: skip
        # Side by side, on the same seeded database: the whole file list as XLSX (its own
        # process, so that its peak memory is the export's), then a commune's list of
        # 5,000 lines with 100 bad ones imported among the 100,000 files (it adds them).
        extra = bench_exports.run(env)
        extra.update(
            json.loads(
                subprocess.run(
                    [sys.executable, "-m", "bench.reporting", "--measure-import"],
                    env=env,
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
        )
    finally:
        if not args.keep and not args.reuse:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    result = json.loads(out.strip().splitlines()[-1])
    result.update(extra)
    save_result("reporting", result)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:<26}{value}")


if __name__ == "__main__":
    main()
