"""Booking under contention, and the slot finder on a full calendar.

    python -m bench.booking_race --attempts 50 --json

In its own throw-away database (on the server in use: DATABASE_URL or the embedded
PostgreSQL), with the reference data of a real install:

- ``attempts`` reception sessions post, at the same instant (a barrier), the booking of
  the same slot for ``attempts`` different people, through the real view
  (``appointments:book-confirm``, Django's test client in one thread each, each with its own
  database connection). Counts how many were booked, refused as conflicts (the French
  "vient d'être pris" message) and answered with a server error.
- ``slot_finder_p95_ms``: the slot finder for the main office over two weeks, with eight
  caseworkers whose calendars are about 85 % full, 200 searches for different people.

Prints ``{"attempts": 50, "booked": 1, "conflicts": 49, "server_errors": 0,
"slot_finder_p95_ms": x}``, also written to ``bench/results/booking_race.json``.
Targets: exactly one booking, no server error, slot finder p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

from bench import (
    ROOT,
    last_json_line,
    percentile,
    save_result,
    throwaway_database,
    verified_client,
)

SEARCHES = 200
CASEWORKERS = 8


def setup(people: int) -> dict[str, Any]:
    """Caseworkers present every reception hour at Namur, a receptionist, files."""
    from django.contrib.auth import get_user_model

    from appointments.models import AppointmentType
    from cainamur.roles import Role
    from cainamur.services import user_set_roles
    from offices.models import Office, OpeningHours, StaffAvailability
    from tests.factories import BeneficiaryFactory

    User = get_user_model()
    namur = Office.objects.get(code="namur")
    staff = []
    for n in range(CASEWORKERS):
        user = User.objects.create(username=f"referent{n}", email=f"r{n}@bench.test")
        user_set_roles(user=user, roles=[Role.CASEWORKER])
        user.offices.set([namur])
        staff.append(user)
        for hours in OpeningHours.objects.filter(office=namur, kind="reception"):
            StaffAvailability.objects.create(
                staff=user,
                office=namur,
                weekday=hours.weekday,
                starts=hours.opens,
                ends=hours.closes,
            )
    reception = User.objects.create(username="accueil", email="accueil@bench.test")
    user_set_roles(user=reception, roles=[Role.RECEPTION])
    reception.offices.set([namur])
    files = [BeneficiaryFactory(office=namur) for _i in range(people)]
    return {
        "namur": namur,
        "staff": staff,
        "reception": reception,
        "files": files,
        "kind": AppointmentType.objects.get(code="welcome"),
    }


def race(world: dict[str, Any], attempts: int) -> dict[str, int]:
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from appointments.models import Appointment
    from appointments.selectors import slot_search

    namur, kind = world["namur"], world["kind"]
    today = timezone.localdate()
    slot = slot_search(
        office=namur, kind=kind, first=today + timedelta(days=1), last=today + timedelta(days=14)
    )[0]
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        client = verified_client(world["reception"])
        client.raise_request_exception = False
        data = {
            "dossier": world["files"][index].pk,
            "type": kind.pk,
            "office": namur.pk,
            "slot": f"{slot.staff_id}|{slot.start.isoformat()}",
        }
        barrier.wait()
        response = client.post(reverse("appointments:book-confirm"), data, follow=True)
        if response.status_code >= 500:
            outcome = "server_error"
        elif "vient d" in response.content.decode() and "pris" in response.content.decode():
            outcome = "conflict"
        elif response.status_code == 200:
            outcome = "booked"
        else:
            outcome = f"other:{response.status_code}"
        with lock:
            outcomes.append(outcome)
        connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    booked_rows = Appointment.objects.filter(during__startswith=slot.start).count()
    return {
        "attempts": attempts,
        "booked": booked_rows,
        "booked_answers": outcomes.count("booked"),
        "conflicts": outcomes.count("conflict"),
        "server_errors": outcomes.count("server_error"),
        "other": len([o for o in outcomes if o.startswith("other")]),
    }


def fill_calendars(world: dict[str, Any], rng: random.Random) -> int:
    """About 85 % of every caseworker's reception time booked, over two weeks."""
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
    from django.utils import timezone

    from appointments.models import Appointment, AppointmentType
    from appointments.selectors import slot_search

    namur = world["namur"]
    kinds = list(AppointmentType.objects.filter(is_group=False))
    today = timezone.localdate()
    rows = []
    for person in world["staff"]:
        free = slot_search(
            office=namur,
            kind=world["kind"],
            first=today + timedelta(days=1),
            last=today + timedelta(days=14),
            staff_ids=[person.pk],
            limit=10_000,
        )
        cursor = None
        for slot in free:
            if cursor is not None and slot.start < cursor:
                continue
            kind = rng.choice(kinds)
            end = slot.start + timedelta(minutes=kind.duration_minutes)
            if rng.random() < 0.85:
                rows.append(
                    Appointment(
                        type=kind,
                        office=namur,
                        staff=person,
                        beneficiary=rng.choice(world["files"]),
                        during=DateTimeTZRange(slot.start, end),
                        created_by=world["reception"],
                    )
                )
            cursor = end
    from django.db import IntegrityError, transaction

    created = 0
    for row in rows:  # one by one: people may not be double-booked either
        try:
            with transaction.atomic():
                row.save()
                created += 1
        except IntegrityError:
            continue
    return created


def finder(world: dict[str, Any], rng: random.Random) -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone

    from appointments.selectors import slot_search

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    today = timezone.localdate()
    timings = []
    for _i in range(SEARCHES + 10):
        person = rng.choice(world["files"])
        started = time.perf_counter()
        slot_search(
            office=world["namur"],
            kind=world["kind"],
            first=today + timedelta(days=1),
            last=today + timedelta(days=14),
            beneficiary=person,
        )
        timings.append((time.perf_counter() - started) * 1000)
    timings = timings[10:]  # warm-up
    return {
        "slot_finder_p95_ms": round(percentile(timings, 0.95), 1),
        "slot_finder_median_ms": round(statistics.median(timings), 1),
    }


def measure(attempts: int) -> dict[str, Any]:
    import django

    django.setup()
    rng = random.Random(7)  # noqa: S311 (sampling, not secrets)
    world = setup(max(attempts, 300))
    result: dict[str, Any] = race(world, attempts)
    result["appointments_in_calendar"] = fill_calendars(world, rng)
    result.update(finder(world, rng))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("REDIS_URL", None)  # tasks (none here) in process
    sys.path.insert(0, str(ROOT))
    if args.measure:
        print(json.dumps(measure(args.attempts)))
        return

    import django

    django.setup()
    with throwaway_database("cainamur_bench_booking", keep=args.keep) as url:
        env = dict(os.environ, DATABASE_URL=url)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.booking_race",
                "--measure",
                "--attempts",
                str(args.attempts),
            ],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        ).stdout
    full = last_json_line(out)
    result = {
        "attempts": full["attempts"],
        "booked": full["booked"],
        "conflicts": full["conflicts"],
        "server_errors": full["server_errors"],
        "slot_finder_p95_ms": full["slot_finder_p95_ms"],
        "slot_finder_median_ms": full["slot_finder_median_ms"],
        "appointments_in_calendar": full["appointments_in_calendar"],
    }
    save_result("booking_race", result)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['attempts']} attempts: {result['booked']} booked, "
            f"{result['conflicts']} conflicts, {result['server_errors']} server errors; "
            f"slot finder p95 {result['slot_finder_p95_ms']} ms"
        )


if __name__ == "__main__":
    main()
