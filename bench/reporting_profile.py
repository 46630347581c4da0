"""Where the dashboard's time goes: each group of figures of ``/pilotage/`` timed on its own
(the queries it runs and their time), optionally each query's plan.

    python -m bench.reporting_profile [--database cainamur_bench_reporting] [--runs 3]
        [--explain] [--office ID] [--period annee|trimestre|mois]

Reads a database seeded before (``python -m bench.reporting --keep``); writes nothing.
Prints, per group of figures, the best of ``--runs`` in milliseconds and its queries;
``--explain`` adds ``EXPLAIN (ANALYZE, BUFFERS)`` of each query of the last run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from bench import ROOT

DATABASE = "cainamur_bench_reporting"


def profile(runs: int, *, explain: bool, office: int | None, period: str) -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reporting import indicators, periods
    from reporting.scope import Scope

    today = timezone.localdate()
    chosen = {
        "annee": periods.year(today.year),
        "trimestre": periods.quarter(today.year, (today.month - 1) // 3 + 1),
        "mois": periods.month(today.year, today.month),
    }[period]
    scope = Scope(
        period=chosen, today=today, offices=None if office is None else frozenset({office})
    )

    def groups(files: Any) -> dict[str, Any]:
        return {
            "obligation": lambda: indicators.obligation_figures(scope, files),
            "path": lambda: indicators.path_figures(scope),
            "deadlines": lambda: indicators.deadline_figures(scope),
            "waiting": lambda: indicators.waiting_figures(scope),
            "appointments": lambda: indicators.appointment_figures(scope),
            "tickets": lambda: indicators.ticket_figures(scope),
            "callbacks": lambda: indicators.callback_figures(scope),
            "series": lambda: indicators.series_figures(scope, files),
            "funnel": lambda: indicators.funnel_figures(files),
        }

    best: dict[str, float] = {}
    captured: dict[str, list[dict[str, str]]] = {}
    whole: list[float] = []
    for _run in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{indicators.REPORT_WORK_MEM}'")
            cursor.execute("SET LOCAL jit = off")
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                files = indicators.file_figures(scope)
                elapsed = (time.perf_counter() - started) * 1000
            best["files"] = min(best.get("files", elapsed), elapsed)
            captured["files"] = list(queries.captured_queries)
            for name, compute in groups(files).items():
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    compute()
                    elapsed = (time.perf_counter() - started) * 1000
                best[name] = min(best.get(name, elapsed), elapsed)
                captured[name] = list(queries.captured_queries)
        started = time.perf_counter()
        indicators.dashboard(scope)
        whole.append((time.perf_counter() - started) * 1000)
    print(f"scope: {chosen.label}, offices: {office or 'all'}, best of {runs} run(s)")
    for name, ms in sorted(best.items(), key=lambda item: -item[1]):
        times = ", ".join(q["time"] for q in captured[name])
        print(f"  {name:<14}{ms:8.1f} ms  {len(captured[name])} queries ({times} s)")
    print(f"  {'sum':<14}{sum(best.values()):8.1f} ms; whole dashboard() best {min(whole):.1f} ms")
    if not explain:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{indicators.REPORT_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        for name, statements in captured.items():
            for query in statements:
                print(f"\n===== {name} =====\n{query['sql']}\n")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--office", type=int, default=None)
    parser.add_argument("--period", default="annee", choices=["annee", "trimestre", "mois"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CAI_CACHE_URL", None)
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + args.database
    profile(args.runs, explain=args.explain, office=args.office, period=args.period)


if __name__ == "__main__":
    main()
