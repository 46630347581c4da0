"""How fast ``seed_demo`` fills the database (target: 100,000 files in under a minute).

    python -m bench.seed --count 100000 --json

Runs against a throw-away database on the server in use (DATABASE_URL or the embedded
one): creates it, migrates, times ``seed_demo --beneficiaries COUNT``, drops it. Prints
``{"beneficiaries": n, "seed_seconds": t, "files_per_second": r}``; results are also
written to ``bench/results/seed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"  # seed_demo only runs in development mode
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cainamur.embedded_db import connection_url

    name = f"cainamur_bench_{os.getpid()}"
    env = dict(os.environ, DATABASE_URL=connection_url(settings.DATABASES["default"], name=name))
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        started = time.monotonic()
        out = subprocess.run(
            [*manage, "seed_demo", "--beneficiaries", str(args.count)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        seconds = time.monotonic() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    total = re.search(r"(\d+) au total", out)
    assert total is not None, out  # seed_demo prints its total last
    created = int(total.group(1))
    result = {
        "beneficiaries": created,
        "seed_seconds": round(seconds, 1),
        "files_per_second": round(created / seconds),
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "seed.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{created} files in {seconds:.1f} s ({result['files_per_second']} files/s)")


if __name__ == "__main__":
    main()
