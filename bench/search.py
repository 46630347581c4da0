"""File search speed against the plain Django admin search, on realistic data.

    python -m bench.search --beneficiaries 100000 --json

Seeds its own throw-away database on the server in use (DATABASE_URL or the embedded
PostgreSQL) with ``seed_demo``, then sends 200 realistic searches (partial names, accents
omitted, typos, names in another order, file numbers, register numbers) through the real
file-list view, and the same searches through the Django admin changelist of files (plain
``search_fields``). Prints
``{"beneficiaries": N, "search_p95_ms": x, "admin_search_p95_ms": y, "ratio": y/x,
"queries_per_search": k}``; also written to ``bench/results/search.json``.
Target: ``search_p95_ms`` <= 50 and ``ratio`` >= 10.
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
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = 200


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ı", "i")


def typo(word: str, rng: random.Random) -> str:
    """One realistic slip: a letter dropped, doubled or swapped with its neighbour."""
    if len(word) < 5:
        return word + word[-1]
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def queries_for(people: list[dict[str, Any]], rng: random.Random) -> list[str]:
    from stdnum.be import nn

    queries = []
    for person in people:
        last, first = person["last_name"], person["first_names"].split()[0]
        kind = rng.choice(
            ["partial", "no_accents", "typo", "first_last", "file", "register", "partial"]
        )
        if kind == "partial":
            queries.append(strip_accents(last.split()[-1])[:4].lower())
        elif kind == "no_accents":
            queries.append(strip_accents(f"{last} {first}"))
        elif kind == "typo":
            queries.append(typo(last.split()[-1], rng))
        elif kind == "first_last":
            queries.append(f"{first} {last}")
        elif kind == "file":
            queries.append(person["file_number"])
        elif person["national_number"]:
            queries.append(nn.format(person["national_number"]))
        else:
            queries.append(first)
    return queries


def measure() -> dict[str, Any]:
    """Runs inside a process whose DATABASE_URL is the seeded benchmark database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from bench import verified_client
    from beneficiaries.models import Beneficiary

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics after the bulk load, as autovacuum would
    rng = random.Random(42)  # noqa: S311 (sampling, not secrets)
    total = Beneficiary.objects.count()
    ids = rng.sample(range(total), SEARCHES)
    everyone = list(
        Beneficiary.objects.order_by("id").values(
            "last_name", "first_names", "file_number", "national_number"
        )
    )
    people = [everyone[i] for i in ids]
    queries = queries_for(people, rng)

    User = get_user_model()
    coordinator = verified_client(User.objects.get(username="coordination"))
    admin = verified_client(User.objects.get(username="admin"))

    def view(q: str) -> Any:
        return coordinator.post("/dossiers/", {"q": q}, headers={"HX-Request": "true"})

    def admin_view(q: str) -> Any:
        return admin.get("/admin/beneficiaries/beneficiary/", {"q": q})

    for q in queries[:10]:  # warm caches and connections
        view(q)
        admin_view(q)

    timings, admin_timings, query_counts = [], [], []
    for q in queries:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = view(q)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        query_counts.append(len(captured))
        started = time.perf_counter()
        response = admin_view(q)
        admin_timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code

    search_p95 = percentile(timings, 0.95)
    admin_p95 = percentile(admin_timings, 0.95)
    return {
        "beneficiaries": total,
        "search_p95_ms": round(search_p95, 1),
        "admin_search_p95_ms": round(admin_p95, 1),
        "ratio": round(admin_p95 / search_p95, 1),
        "queries_per_search": max(query_counts),
        "search_median_ms": round(statistics.median(timings), 1),
        "admin_search_median_ms": round(statistics.median(admin_timings), 1),
        "searches": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"  # seed_demo and its demo accounts need it
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    if args.measure:
        print(json.dumps(measure()))
        return

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cainamur.embedded_db import connection_url

    name = "cainamur_bench_search"
    env = dict(os.environ, DATABASE_URL=connection_url(settings.DATABASES["default"], name=name))
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [*manage, "seed_demo", "--beneficiaries", str(args.beneficiaries)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out = subprocess.run(
            [sys.executable, "-m", "bench.search", "--measure"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    finally:
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    result = json.loads(out.strip().splitlines()[-1])
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "search.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['beneficiaries']} files: search p95 {result['search_p95_ms']} ms, "
            f"admin p95 {result['admin_search_p95_ms']} ms (x{result['ratio']}), "
            f"{result['queries_per_search']} queries per search"
        )


if __name__ == "__main__":
    main()
