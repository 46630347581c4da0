"""What the read log costs a page (issue 13: at most 2 ms).

    python -m bench.read_log --json

Seeds its own throw-away database (``seed_demo``, 240 files), then opens 300 file pages as
a caseworker through the real view twice: with the read log, and with its write replaced
by nothing; and times the write itself. Prints ``{"pages": N, "record_median_ms": ..,
"record_p95_ms": .., "page_median_ms": .., "page_without_log_median_ms": ..,
"overhead_median_ms": ..}``; also written to ``bench/results/read_log.json``.
Target: ``overhead_median_ms`` <= 2.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import ROOT, last_json_line, percentile, save_result, throwaway_database

PAGES = 300


def measure() -> dict[str, Any]:
    """Runs inside a process whose DATABASE_URL is the seeded benchmark database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django.urls import reverse

    from bench import verified_client
    from beneficiaries.models import Beneficiary
    from cainamur import reads
    from cainamur.models import ReadEvent

    caseworker = get_user_model().objects.get(username="accompagnement")
    client = verified_client(caseworker)
    files = list(Beneficiary.objects.visible_to(caseworker).values_list("pk", flat=True))
    urls = [reverse("beneficiaries:detail", args=[files[i % len(files)]]) for i in range(PAGES)]

    def pages() -> list[float]:
        timings = []
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        return timings

    pages()  # warm up (templates, connections)
    with_log = pages()
    original = reads.record
    reads.record = lambda *args, **kwargs: None
    try:
        without_log = pages()
    finally:
        reads.record = original
    request = RequestFactory().get("/")
    request.user = caseworker
    beneficiary = Beneficiary.objects.get(pk=files[0])
    writes = []
    for _ in range(PAGES):
        started = time.perf_counter()
        reads.record(request, ReadEvent.Kind.FILE, beneficiary=beneficiary, what="banc")
        writes.append((time.perf_counter() - started) * 1000)
    page = statistics.median(with_log)
    bare = statistics.median(without_log)
    return {
        "pages": PAGES,
        "record_median_ms": round(statistics.median(writes), 2),
        "record_p95_ms": round(percentile(writes, 0.95), 2),
        "page_median_ms": round(page, 1),
        "page_without_log_median_ms": round(bare, 1),
        "overhead_median_ms": round(page - bare, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    if args.measure:
        print(json.dumps(measure()))
        return
    import django

    django.setup()
    with throwaway_database("cainamur_bench_read_log") as url:
        env = dict(os.environ, DATABASE_URL=url)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run(
            [sys.executable, "-m", "bench.read_log", "--measure"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    result = last_json_line(out)
    save_result("read_log", result)
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
