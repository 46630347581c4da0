from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary
from cainamur.models import User
from parcours.models import Parcours
from parcours.selectors import QUEUE_CHUNK, work_queue
from parcours.services import obligation_assess, parcours_open
from tests.factories import BeneficiaryFactory


def obliged_file(caseworker: User, registered_days_ago: int, **extra: Any) -> Beneficiary:
    today = timezone.localdate()
    registered = today - timedelta(days=registered_days_ago)
    beneficiary = BeneficiaryFactory(
        caseworker=caseworker,
        first_registration_on=registered,
        permit_ordered_on=registered,
        **extra,
    )
    obligation_assess(beneficiary=beneficiary, by=caseworker, trigger="test")
    return beneficiary


def test_most_urgent_first(caseworker: User) -> None:
    today = timezone.localdate()
    late = obliged_file(caseworker, 120, last_name="Tardif")  # presentation overdue
    soon = obliged_file(caseworker, 75, last_name="Bientot")  # due within 30 days
    calm = obliged_file(caseworker, 5, last_name="Serein")  # not urgent
    waiting = obliged_file(caseworker, 100, last_name="Attente")  # no path, late
    obliged_file(caseworker, 5, last_name="Tranquille")  # no path, not due for months
    for beneficiary in (late, soon, calm):
        parcours_open(beneficiary=beneficiary, by=caseworker, on=today)
    items = work_queue(Beneficiary.objects.filter(caseworker=caseworker), today=today)
    names = [(i.beneficiary.last_name, i.what, i.tone) for i in items]
    assert names[:3] == [
        ("Tardif", "Présentation au CRI", "danger"),  # 30 days late
        ("Attente", "Obligé·e : parcours à ouvrir", "danger"),  # 10 days late
        ("Bientot", "Présentation au CRI", "warning"),
    ]
    assert "Tranquille" not in {name for name, _what, _tone in names}
    assert ("Serein", "Module d'accueil à terminer", "secondary") in names
    assert all(i.beneficiary != waiting or i.parcours is None for i in items)


def test_home_query_count_does_not_grow_with_paths(login_client: Any, caseworker: User) -> None:
    client = login_client(caseworker)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home-caseworker")).status_code == 200
        return len(queries)

    parcours_open(beneficiary=obliged_file(caseworker, 100), by=caseworker)
    first = count()
    for days in range(10, 100, 10):
        parcours_open(beneficiary=obliged_file(caseworker, days), by=caseworker)
    assert count() == first


def test_file_list_filters_by_path_status(login_client: Any, caseworker: User) -> None:
    with_path = obliged_file(caseworker, 20, last_name="Avecparcours")
    obliged_file(caseworker, 20, last_name="Sansparcours")
    parcours_open(beneficiary=with_path, by=caseworker)
    client = login_client(caseworker)
    page = client.post(reverse("beneficiaries:list"), {"path_status": "welcome"}).content.decode()
    assert "AVECPARCOURS" in page and "SANSPARCOURS" not in page
    page = client.post(reverse("beneficiaries:list"), {"path_status": "none"}).content.decode()
    assert "SANSPARCOURS" in page and "AVECPARCOURS" not in page


def test_coordinator_home_query_count_does_not_grow(
    login_client: Any, caseworker: User, coordinator: User
) -> None:
    from parcours.services import convention_sign, welcome_update
    from tests.parcours.test_path_services import SIGN

    client = login_client(coordinator)

    def count() -> int:
        cache.clear()  # the figures counted again too (they are kept ten minutes)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home-coordinator")).status_code == 200
        return len(queries)

    def running_path(days: int) -> None:
        parcours = parcours_open(beneficiary=obliged_file(caseworker, days), by=caseworker)
        today = timezone.localdate()
        welcome_update(
            parcours=parcours,
            by=caseworker,
            data={
                "social_assessment_on": today,
                "rights_duties_on": today,
                "french_level": "not_needed",
            },
        )
        convention_sign(
            parcours=parcours, by=caseworker, **{**SIGN, "signed_on": today, "start_on": today}
        )

    running_path(100)
    obliged_file(caseworker, 100)
    first = count()
    for days in range(20, 100, 10):
        running_path(days)
        obliged_file(caseworker, days)
    assert count() == first


def test_the_queue_shows_the_most_urgent_of_many_paths(caseworker: User) -> None:
    """More running paths than the queue reads at a time: the fifty lines are still the
    fifty most overdue, whichever the paths' order in the database."""
    today = timezone.localdate()
    for n in range(QUEUE_CHUNK + 6):
        # Registered between 100 and 170 days ago, newest first: overdue by 10 to 80 days.
        beneficiary = obliged_file(caseworker, 100 + (n * 37) % 70, last_name=f"Dossier {n:03d}")
        parcours_open(beneficiary=beneficiary, by=caseworker, on=today)
    items = work_queue(Beneficiary.objects.filter(caseworker=caseworker), today=today)
    deadlines = sorted(
        Parcours.objects.filter(beneficiary__caseworker=caseworker).values_list(
            "presentation_deadline", flat=True
        )
    )
    assert [item.due for item in items] == deadlines[:50]
    assert {(item.what, item.tone) for item in items} == {("Présentation au CRI", "danger")}
