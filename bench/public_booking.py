"""The public-booking scenario of ``bench.load``: many people, from their own phones, book
the same few moments on /rdv/ at the same instant.

    python -m bench.load --scenario public-booking --people 50 --slots 10 --json

The office opens ``--online-share`` per cent of its capacity online (default 100: the race
is about the moments; with a smaller share, the share caps the bookings per day). Each
person opens the booking page of the main office (their own connection, their own
client address behind the proxy, their own e-mail address), waits the few seconds a person
takes to fill the form (the form refuses an answer sooner than ``CAI_PUBLIC_MIN_SECONDS``),
then everybody sends at the same moment: person *i* asks for the *i mod slots*-th moment of
the offer they were shown. Exactly one booking per moment must win; everybody else must
get the « fresh offer » page (409) listing moments free now, without the one they lost;
nothing else (no 500, no 429, no double booking) is acceptable.

The counts come from the answers (what each person saw) and from the database afterwards
(``--count-public``: bookings and the appointments holding their moments)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SHOWN = re.compile(r'name="shown" value="([^"]+)"')
SLOT = re.compile(r'<input[^>]* name="slot"[^>]* value="([^"]+)"')
FRESH = 'data-testid="fresh-offer"'
OFFICE = "namur"


@dataclass
class Person:
    number: int
    host: str
    session: requests.Session = field(default_factory=requests.Session)
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    offered: list[str] = field(default_factory=list)
    outcome: str = ""
    detail: str = ""
    seconds: float = 0.0

    def __post_init__(self) -> None:
        origin = self.host.replace("http://", "https://")
        self.headers = {
            "X-Forwarded-Proto": "https",
            # Each person on their own phone: their own address for the rate limits.
            "X-Forwarded-For": f"10.1.{self.number // 200}.{self.number % 200 + 1}",
            "Origin": origin,
            "Referer": f"{origin}/rdv/reserver/?bureau={OFFICE}",
            "Accept-Language": "fr-BE,fr;q=0.9",
        }

    def cookies(self) -> dict[str, str]:
        """The headers with the cookies: the jar keeps the ``Secure`` ones but does not
        send them over the bench's plain HTTP by itself (gunicorn sits behind TLS)."""
        jar = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        return {**self.headers, "Cookie": jar}

    def open_form(self) -> None:
        page = self.session.get(
            f"{self.host}/rdv/reserver/?bureau={OFFICE}", headers=self.headers, timeout=60
        )
        page.raise_for_status()
        token, shown = CSRF.search(page.text), SHOWN.search(page.text)
        if not token or not shown:
            raise RuntimeError("the booking page has no form")
        self.offered = SLOT.findall(page.text)
        self.form = {"csrfmiddlewaretoken": token.group(1), "shown": shown.group(1)}

    def send(self, slot: str) -> None:
        data = {
            **self.form,
            "bureau": OFFICE,
            "slot": slot,
            "first_names": "Personne",
            "last_name": f"Charge {self.number:02d}",
            "phone": "",
            "email": f"personne-{self.number:02d}@bench.cainamur.test",
            "language": "fr",
            "website": "",
        }
        started = time.perf_counter()
        try:
            answer = self.session.post(
                f"{self.host}/rdv/reserver/?bureau={OFFICE}",
                data=data,
                headers=self.cookies(),
                allow_redirects=False,
                timeout=120,
            )
        except requests.RequestException as error:
            self.outcome, self.detail = "error", type(error).__name__
            return
        finally:
            self.seconds = time.perf_counter() - started
        fresh = [value for value in SLOT.findall(answer.text) if value != slot]
        if answer.status_code == 302 and answer.headers.get("Location", "").endswith(
            "/rdv/reserve/"
        ):
            self.outcome = "booked"
        elif (
            answer.status_code == 409
            and FRESH in answer.text
            and slot not in SLOT.findall(answer.text)
            and fresh
        ):
            self.outcome = "fresh offer"
        else:
            self.outcome = "error"
            self.detail = f"HTTP {answer.status_code}"


def race(host: str, *, people: int, slots: int, min_seconds: float) -> dict[str, Any]:
    """``people`` open the page, then all send at once for ``slots`` moments."""
    crowd = [Person(number, host) for number in range(people)]
    opened = [threading.Thread(target=person.open_form) for person in crowd]
    for thread in opened:
        thread.start()
    for thread in opened:
        thread.join()
    offered = crowd[0].offered
    if len(offered) < slots or any(p.offered[:slots] != offered[:slots] for p in crowd):
        raise SystemExit(f"the office offers {len(offered)} moments, not the same {slots} to all")
    wanted = offered[:slots]
    time.sleep(min_seconds + 0.5)  # the time to fill the form
    start = threading.Barrier(people)

    def go(person: Person) -> None:
        start.wait()
        person.send(wanted[person.number % slots])

    sending = [threading.Thread(target=go, args=(person,)) for person in crowd]
    began = time.perf_counter()
    for thread in sending:
        thread.start()
    for thread in sending:
        thread.join()
    elapsed = time.perf_counter() - began
    outcomes = [person.outcome for person in crowd]
    waits = sorted(person.seconds for person in crowd)
    return {
        "people": people,
        "slots": slots,
        "booked": outcomes.count("booked"),
        "fresh_offers": outcomes.count("fresh offer"),
        "errors": outcomes.count("error"),
        "error_details": sorted({p.detail for p in crowd if p.outcome == "error"}),
        "winners_per_slot": {
            slot: sum(
                1 for p in crowd if p.outcome == "booked" and wanted[p.number % slots] == slot
            )
            for slot in wanted
        },
        "wanted": wanted,
        "all_answered_s": round(elapsed, 2),
        "slowest_answer_ms": round(waits[-1] * 1000, 1),
        "median_answer_ms": round(waits[len(waits) // 2] * 1000, 1),
    }


def open_online(share: int) -> None:
    """Open ``share`` per cent of the office's daily capacity to online booking (Django set
    up on the benchmark's database). The demo opens 34 %: with 6 welcome places a day, 2 a
    day go online, so 10 moments over 2 days would test the share, not the moments."""
    from offices.models import Office

    Office.objects.filter(code=OFFICE).update(online_share=share)


def count_in_database(wanted: list[str]) -> dict[str, Any]:
    """What the database holds afterwards (Django set up on the benchmark's database)."""
    from datetime import datetime

    from appointments.models import Appointment, OnlineBooking

    starts = [datetime.fromisoformat(value) for value in wanted]
    bookings = OnlineBooking.objects.filter(email__endswith="@bench.cainamur.test")
    held = Appointment.objects.filter(
        online_booking__in=bookings, status=Appointment.Status.BOOKED
    ).values_list("during", flat=True)
    held_starts = sorted(during.lower for during in held)
    return {
        "online_bookings": bookings.count(),
        "appointments_booked": len(held_starts),
        "distinct_moments": len(set(held_starts)),
        "all_within_wanted": all(start in starts for start in held_starts),
    }
