"""Server-side speed of the main pages at a realistic volume, beside the Django admin.

    python -m bench.pages --beneficiaries 100000 --json

Seeds a throw-away database on the server in use (DATABASE_URL or the embedded
PostgreSQL): ``seed_demo --beneficiaries N`` for the files, then ``bench.volume`` for what
surrounds them (for 100,000 files: 80,000 paths, 400,000 lines of hours, 1,000,000
appointments over five years in eight offices, 200 staff, 20,000 attestations and their
copies). Then, in a process with production settings (``DJANGO_DEBUG`` off: cached
templates, manifest static files, HTTPS), each page is requested through the real views
by the demo persona of its role, logged in with the second factor: a few warm-up requests,
then ``--requests`` timed ones (the time Django takes from request to response, queries
counted), and, in the same run, the Django admin changelist of the same model.

Prints one JSON line ``{"beneficiaries": N, "pages": {name: {"p50_ms", "p95_ms",
"queries", "queries_min", "admin_p50_ms", "admin_p95_ms"}}, "max_p95_ms",
"search_p95_ms", "agenda_p95_ms", "slot_finder_p95_ms", "slower_than_admin", "misses"}``
(``admin_*``: the admin changelist of the same rows, where there is one; the file page,
not a list, shows the admin's form of the same file as ``admin_change_p95_ms``, for
information), also written to ``bench/results/pages.json``. Targets: every page p95
<= 100 ms (search, agenda and slot finder <= 50 ms), the same number of queries on every
request of a page, each page faster than its admin counterpart.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "cainamur_bench_pages"
PAGE_TARGET_MS = 100.0
FAST_TARGET_MS = 50.0  # search, day agenda, slot finder
FAST_PAGES = ("search", "agenda", "slot_finder")


@dataclass
class Page:
    """A page measured: who asks, how, and the admin page that shows the same rows."""

    name: str
    persona: str
    request: Callable[[Any, int], Any]
    admin: Callable[[Any, int], Any] | None = None
    #: Not a list: the admin's form of the same row, shown for information only.
    admin_change: Callable[[Any, int], Any] | None = None
    timings: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    admin_timings: list[float] = field(default_factory=list)
    admin_change_timings: list[float] = field(default_factory=list)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def search_terms(rng: random.Random, count: int) -> list[str]:
    """A realistic mix of what people type: short fragments, whole names, typos, common
    surnames, first names alone, file numbers and register numbers."""
    from django.db.models import Count
    from stdnum.be import nn

    from bench.search import strip_accents, typo
    from beneficiaries.models import Beneficiary

    total = Beneficiary.objects.count()
    ids = sorted(rng.sample(range(total), min(total, count)))
    everyone = list(
        Beneficiary.objects.order_by("id").values_list(
            "last_name", "first_names", "file_number", "national_number"
        )
    )
    people = [everyone[i] for i in ids]
    common = [
        name
        for name, _n in Beneficiary.objects.values_list("last_name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("last_name", "n")[:15]
    ]
    kinds = ["short", "long", "typo", "common", "first", "file", "register", "short", "long"]
    terms = []
    for n, (last, first_names, file_number, national_number) in enumerate(people):
        first = first_names.split()[0]
        kind = kinds[n % len(kinds)]
        if kind == "short":
            terms.append(strip_accents(last.split()[-1])[: rng.choice([3, 4])].lower())
        elif kind == "long":
            terms.append(rng.choice([f"{last} {first_names}", f"{first} {last}"]))
        elif kind == "typo":
            terms.append(typo(last.split()[-1], rng))
        elif kind == "common":
            terms.append(rng.choice(common))
        elif kind == "first":
            terms.append(first)
        elif kind == "file":
            terms.append(file_number)
        elif national_number:
            terms.append(nn.format(national_number))
        else:
            terms.append(strip_accents(f"{last} {first}"))
    rng.shuffle(terms)
    return terms


def pages(requests: int, rng: random.Random) -> list[Page]:
    """The pages, each with what varies from one request to the next (files, days, terms,
    filters)."""
    from django.db.models import Exists, OuterRef
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from appointments.models import AppointmentType
    from beneficiaries.models import Beneficiary, Commune
    from cainamur.models import User
    from offices.models import Office
    from parcours.models import Parcours

    namur = Office.objects.get(code="namur")
    offices = list(Office.objects.order_by("id").values_list("id", flat=True))
    communes = list(Commune.objects.order_by("id").values_list("id", flat=True))
    caseworker = User.objects.get(username="accompagnement")
    caseworkers = list(
        User.objects.filter(groups__name="Accompagnement", offices__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    with_path = Exists(Parcours.objects.filter(beneficiary=OuterRef("pk")))
    # Files the caseworker opens: theirs, most with a path (a few without).
    own = list(
        Beneficiary.objects.filter(caseworker=caseworker)
        .filter(with_path)
        .order_by("id")
        .values_list("id", flat=True)[:2000]
    )
    namur_files = list(
        Beneficiary.objects.filter(office=namur).order_by("id").values_list("id", flat=True)[:5000]
    )
    files = rng.sample(own, min(len(own), requests * 2)) or namur_files[: requests * 2]
    today = timezone.localdate()
    days = [today] + [
        today + timedelta(days=d)
        for d in rng.sample(range(-400, 60), requests * 2)
        if (today + timedelta(days=d)).weekday() < 5
    ]
    welcome = AppointmentType.objects.get(code="welcome")
    terms = search_terms(rng, requests * 3)
    statuses = ["obliged", "exempt", "not_concerned", "incomplete"]
    path_statuses = ["in_progress", "welcome", "none", "completed", "attestation_issued"]

    def pick(values: list[Any], n: int) -> Any:
        return values[n % len(values)]

    def file_list(client: Any, n: int) -> Any:
        filters: list[dict[str, Any]] = [
            {"office": pick(offices, n)},
            {"office": namur.pk, "obligation_status": pick(statuses, n)},
            {"caseworker": pick(caseworkers, n)},
            {"path_status": pick(path_statuses, n)},
            {"commune": pick(communes, n), "obligation_status": "obliged"},
            {"office": pick(offices, n), "page": 3},
        ]
        return client.get("/dossiers/", pick(filters, n), secure=True)

    def admin_file_list(client: Any, n: int) -> Any:
        filters: list[dict[str, Any]] = [
            {"office__id__exact": pick(offices, n)},
            {"office__id__exact": namur.pk, "obligation_status__exact": pick(statuses, n)},
            {"caseworker__id__exact": pick(caseworkers, n)},
            {},
            {"obligation_status__exact": "obliged"},
            {"office__id__exact": pick(offices, n), "p": 3},
        ]
        return client.get("/admin/beneficiaries/beneficiary/", pick(filters, n), secure=True)

    def search(client: Any, n: int) -> Any:
        return client.post(
            "/dossiers/", {"q": pick(terms, n)}, headers={"HX-Request": "true"}, secure=True
        )

    def admin_search(client: Any, n: int) -> Any:
        return client.get("/admin/beneficiaries/beneficiary/", {"q": pick(terms, n)}, secure=True)

    def get(path: str, params: Callable[[int], dict[str, Any]] | None = None) -> Callable:
        return lambda client, n: client.get(path, params(n) if params else {}, secure=True)

    result = [
        Page("home_reception", "accueil", get("/accueil/")),
        Page("home_caseworker", "accompagnement", get("/accompagnement/")),
        Page("home_coordinator", "coordination", get("/coordination/")),
        Page("home_administrator", "admin", get("/administration/")),
        Page(
            "file_page",
            "accompagnement",
            lambda client, n: client.get(f"/dossiers/{pick(files, n)}/", secure=True),
            admin_change=lambda client, n: client.get(
                f"/admin/beneficiaries/beneficiary/{pick(files, n)}/change/", secure=True
            ),
        ),
        Page("file_list", "coordination", file_list, admin_file_list),
        Page("search_reception", "accueil", search, admin_search),
        Page("search_caseworker", "accompagnement", search, admin_search),
        Page("search_coordinator", "coordination", search, admin_search),
        Page(
            "agenda",
            "accueil",
            get("/rendez-vous/", lambda n: {"bureau": namur.pk, "jour": pick(days, n)}),
        ),
        Page(
            "week",
            "accueil",
            get(
                "/rendez-vous/semaine/",
                lambda n: {"bureau": namur.pk, "semaine": pick(days, n).isoformat()},
            ),
        ),
        Page(
            "slot_finder",
            "accueil",
            get(
                "/rendez-vous/nouveau/",
                lambda n: {
                    "dossier": pick(namur_files, n * 7),
                    "type": welcome.pk,
                    "office": namur.pk,
                    "since": (today + timedelta(days=n % 10)).isoformat(),
                },
            ),
        ),
        Page(
            "attestation_register",
            "coordination",
            get(
                "/attestations/",
                lambda n: pick(
                    [{}, {"office": pick(offices, n)}, {"status": "valid"}, {"copies": "sent"}],
                    n,
                ),
            ),
            get("/admin/attestations/attestation/"),
        ),
        Page(
            "failed_copies",
            "coordination",
            get("/attestations/envois/"),
            get("/admin/outbox/dispatch/", lambda _n: {"status__exact": "failed"}),
        ),
        Page(
            "offers",
            "accompagnement",
            get(
                "/operateurs/offres/",
                lambda n: pick(
                    [{}, {"axis": "french"}, {"commune": pick(communes, n), "nearby": "on"}], n
                ),
            ),
            get("/admin/operators/offer/", lambda n: pick([{}, {"axis__exact": "french"}], n)),
        ),
    ]
    for name in ("dashboard", "home-dashboard", "dashboard:index", "reporting:dashboard"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        result.append(Page("dashboard", "coordination", get(url)))
        break
    return result


def measure(requests: int, warmup: int, only: list[str]) -> dict[str, Any]:
    """Runs inside a process whose DATABASE_URL is the seeded database, production mode."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from bench import verified_client
    from beneficiaries.models import Beneficiary
    from cainamur.models import User
    from cainamur.wsgi import application  # the web workers' start-up (garbage collector)

    assert application is not None
    assert not settings.DEBUG, "the pages are measured with production settings"
    rng = random.Random(15)  # noqa: S311 (sampling, not secrets)
    measured = [p for p in pages(requests, rng) if not only or p.name in only]
    clients = {
        name: verified_client(User.objects.get(username=name))
        for name in {"accueil", "accompagnement", "coordination", "admin"}
    }
    admin = clients["admin"]

    def timed(call: Callable[[], Any]) -> tuple[float, int]:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = call()
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        return elapsed, len(captured)

    errors: dict[str, str] = {}
    for page in list(measured):
        client = clients[page.persona]
        try:
            answer = page.request(client, requests)
        except Exception as error:  # a page under construction elsewhere: said, not fatal
            answer, reason = None, f"{type(error).__name__}: {error}"[:300]
        else:
            reason = f"HTTP {answer.status_code}"
        if answer is None or answer.status_code != 200:
            errors[page.name] = reason
            measured.remove(page)
            continue
        for n in range(warmup):
            page.request(client, requests + n)
            for other in (page.admin, page.admin_change):
                if other is not None:
                    other(admin, requests + n)
        # Interleaved, so that both see the same state of the machine.
        for n in range(requests):
            elapsed, queries = timed(lambda: page.request(client, n))  # noqa: B023
            page.timings.append(elapsed)
            page.queries.append(queries)
            for other, timings in (
                (page.admin, page.admin_timings),
                (page.admin_change, page.admin_change_timings),
            ):
                if other is not None:
                    elapsed, _queries = timed(lambda: other(admin, n))  # noqa: B023
                    timings.append(elapsed)

    results: dict[str, dict[str, Any]] = {}
    for page in measured:
        row: dict[str, Any] = {
            "p50_ms": round(statistics.median(page.timings), 1),
            "p95_ms": round(percentile(page.timings, 0.95), 1),
            "queries": max(page.queries),
            "queries_min": min(page.queries),
        }
        if page.admin_timings:
            row["admin_p50_ms"] = round(statistics.median(page.admin_timings), 1)
            row["admin_p95_ms"] = round(percentile(page.admin_timings, 0.95), 1)
        if page.admin_change_timings:
            row["admin_change_p95_ms"] = round(percentile(page.admin_change_timings, 0.95), 1)
        results[page.name] = row

    def worst(prefix: str) -> float:
        return max((r["p95_ms"] for n, r in results.items() if n.startswith(prefix)), default=0)

    misses = []
    for name, row in results.items():
        target = FAST_TARGET_MS if name.startswith(FAST_PAGES) else PAGE_TARGET_MS
        if row["p95_ms"] > target:
            misses.append(f"{name}: p95 {row['p95_ms']} ms > {target:.0f} ms")
        if "admin_p95_ms" in row and row["p95_ms"] >= row["admin_p95_ms"]:
            misses.append(f"{name}: not faster than the admin ({row['admin_p95_ms']} ms)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "beneficiaries": Beneficiary.objects.count(),
        "postgresql": server,
        "requests_per_page": requests,
        "pages": results,
        "max_p95_ms": max(r["p95_ms"] for r in results.values()),
        "search_p95_ms": worst("search"),
        "agenda_p95_ms": worst("agenda"),
        "slot_finder_p95_ms": worst("slot_finder"),
        "slower_than_admin": sum(
            1 for r in results.values() if "admin_p95_ms" in r and r["p95_ms"] >= r["admin_p95_ms"]
        ),
        "misses": misses,
        "errors": errors,
    }


def production_env(base: dict[str, str], database_url: str) -> dict[str, str]:
    """Production settings for the measuring process: the development keys the seed used
    (to read the encrypted numbers), HTTPS, manifest static files collected apart."""
    from django.conf import settings

    static_root = Path(tempfile.gettempdir()) / "cainamur-bench-static"
    return dict(
        base,
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-pages-" + "x" * 40,
        CAI_DATA_KEYS=",".join(settings.CAI_DATA_KEYS),
        CAI_INDEX_KEY=settings.CAI_INDEX_KEY,
        DJANGO_ALLOWED_HOSTS="testserver",
        EMAIL_HOST="127.0.0.1",
        CAI_STATIC_ROOT=str(static_root),
        # A benchmark opens many files in an hour: no volume alert in the middle of it.
        CAI_READ_ALERT_PER_HOUR="1000000",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database kept by an earlier --keep"
    )
    parser.add_argument("--only", default="", help="measure these pages only (comma-separated)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    sys.path.insert(0, str(ROOT))
    if args.measure:
        print(
            json.dumps(
                measure(args.requests, args.warmup, args.only.split(",") if args.only else [])
            )
        )
        return
    os.environ["DJANGO_DEBUG"] = "1"  # seed_demo and its demo accounts need it
    if args.load:
        import django

        django.setup()
        from bench import volume

        counts = volume.load(rng=random.Random(2026), out=sys.stdout)  # noqa: S311
        print(json.dumps(counts))
        return

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cainamur.embedded_db import connection_url

    url = connection_url(settings.DATABASES["default"], name=DATABASE)
    env = dict(os.environ, DATABASE_URL=url)
    # Seeding runs its few tasks (the demo paths' PDFs and copies) in-process, as on a first
    # look: nothing left waiting in a broker nobody reads.
    env.pop("REDIS_URL", None)
    seeded: dict[str, Any] = {}
    if not args.reuse:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        if not args.reuse:
            started = time.monotonic()
            subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
            subprocess.run(
                [*manage, "seed_demo", "--beneficiaries", str(args.beneficiaries)],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL if args.json else None,
            )
            out = subprocess.run(
                [sys.executable, "-m", "bench.pages", "--load"],
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            ).stdout
            if not args.json:
                print(out, end="")
            seeded = json.loads(out.strip().splitlines()[-1])
            seeded["seed_seconds"] = round(time.monotonic() - started)
        production = production_env(env, url)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=production, check=True)
        # Without Redis, production keeps its cache in PostgreSQL.
        subprocess.run([*manage, "createcachetable"], env=production, check=True)
        out = subprocess.run(
            [
                sys.executable, "-m", "bench.pages", "--measure",
                "--requests", str(args.requests), "--warmup", str(args.warmup),
                "--only", args.only,
            ],
            env=production,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        ).stdout  # fmt: skip
    finally:
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    result = json.loads(out.strip().splitlines()[-1])
    if seeded:
        result["seeded"] = seeded
    from bench import save_result

    save_result("pages", result)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['beneficiaries']} files, PostgreSQL {result['postgresql']}")
    print(f"{'page':<22}{'p50':>8}{'p95':>8}{'queries':>9}{'admin p50':>11}{'admin p95':>11}")
    for name, row in result["pages"].items():
        print(
            f"{name:<22}{row['p50_ms']:>8}{row['p95_ms']:>8}{row['queries']:>9}"
            f"{row.get('admin_p50_ms', ''):>11}{row.get('admin_p95_ms', ''):>11}"
        )
    for miss in result["misses"]:
        print("MISSED", miss)
    for name, reason in result["errors"].items():
        print("NOT MEASURED", name, reason)


if __name__ == "__main__":
    main()
