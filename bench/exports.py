"""A 100,000-row XLSX export, as the task builds it: time and the process's peak memory.

    python -m bench.exports --reuse cainamur_bench_reporting --json

Measures a database seeded before (``bench.reporting --keep`` or ``bench.pages --keep``):
a coordinator exports the whole file list (every office, no filter) as XLSX through the
export service the task runs (``cainamur.exports``: the list's source, its write-only
workbook written to a temporary file, then stored). Runs in its own process, so that
``xlsx_peak_mb`` (the process's maximum resident memory, Django included) is the export's.
``bench.reporting`` runs it on its seeded database and adds the keys to its result.

Keys: ``xlsx_rows`` (rows written, checked against the files in the database),
``xlsx_seconds``, ``xlsx_peak_mb``, ``xlsx_mb`` (the file's size). Targets: 100,000 rows
in at most 30 s and 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

from bench import ROOT

XLSX_SECONDS_TARGET = 30.0
XLSX_MEMORY_TARGET_MB = 300.0


def measure() -> dict[str, Any]:
    """Runs inside a process whose DATABASE_URL is the seeded database."""
    import django

    django.setup()
    from beneficiaries.models import Beneficiary
    from cainamur import exports
    from cainamur.models import Export, User
    from cainamur.roles import GROUP_NAMES, Role

    coordinator = User.objects.filter(groups__name=GROUP_NAMES[Role.COORDINATOR]).first()
    assert coordinator is not None, "the seeded database has no coordinator"
    src = exports.source("dossiers")
    assert src is not None
    started = time.perf_counter()
    table = src.build(coordinator, {})
    # Without a broker (REDIS_URL unset here) the task runs in this process once the log
    # line commits; with one, build it here as the worker would.
    export = exports.export_log(
        src=src, fmt="xlsx", params={}, rows=table.count, by=coordinator, direct=False
    )
    exports.export_build(export.pk)
    seconds = time.perf_counter() - started
    built = Export.objects.get(pk=export.pk)
    assert built.status == Export.Status.READY, built.status
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = built.file.size / 1024 / 1024
    rows = built.rows or 0
    assert rows == Beneficiary.objects.count(), (rows, Beneficiary.objects.count())
    built.file.delete(save=False)
    return {
        "xlsx_rows": rows,
        "xlsx_seconds": round(seconds, 1),
        "xlsx_peak_mb": round(peak_mb, 1),
        "xlsx_mb": round(size_mb, 1),
        "xlsx_seconds_target": XLSX_SECONDS_TARGET,
        "xlsx_peak_mb_target": XLSX_MEMORY_TARGET_MB,
    }


def run(env: dict[str, str]) -> dict[str, Any]:
    """Measure in a fresh process on the database ``env`` names (used by bench.reporting)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.exports", "--measure"],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", required=False, default="", help="a seeded database")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"
    sys.path.insert(0, str(ROOT))
    if args.measure:
        print(json.dumps(measure()))
        return
    if not args.reuse:
        parser.error("--reuse NAME: a database seeded by bench.reporting --keep")
    import django

    django.setup()
    from django.conf import settings

    from cainamur.embedded_db import connection_url

    env = dict(
        os.environ, DATABASE_URL=connection_url(settings.DATABASES["default"], name=args.reuse)
    )
    env.pop("REDIS_URL", None)
    env.pop("CAI_CACHE_URL", None)
    result = run(env)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:<22}{value}")


if __name__ == "__main__":
    main()
