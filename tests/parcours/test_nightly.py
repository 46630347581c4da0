"""The nightly run: an outcome that changes with time alone (an 18th or 65th birthday) is
assessed again by « système », once."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from cainamur.models import User
from parcours.models import ObligationAssessment
from parcours.services import obligation_assess, obligations_reassess_nightly
from parcours.tasks import obligations_nightly
from tests.factories import BeneficiaryFactory

BIRTHDAY = date(2026, 11, 30)


def test_an_18th_birthday_turns_the_exemption_into_an_obligation(
    caseworker: User, login_client: Any
) -> None:
    teenager = BeneficiaryFactory(
        birth_date=date(2008, 11, 30),
        nationality="MA",
        first_registration_on=date(2026, 9, 1),
        permit_ordered_on=date(2026, 9, 15),
        permit_over_3_months=True,
        office=caseworker.offices.first(),
    )
    adult_already = BeneficiaryFactory(
        birth_date=date(1990, 1, 1),
        nationality="MA",
        first_registration_on=date(2026, 9, 1),
        permit_ordered_on=date(2026, 9, 15),
        permit_over_3_months=True,
    )
    obligation_assess(beneficiary=teenager, by=caseworker, trigger="x", on=date(2026, 11, 1))
    obligation_assess(beneficiary=adult_already, by=caseworker, trigger="x", on=date(2026, 11, 1))
    teenager.refresh_from_db()
    assert teenager.obligation_status == "exempt"  # 17 on 1 November

    assert obligations_reassess_nightly(on=date(2026, 11, 29)) == 0  # the day before
    assert obligations_reassess_nightly(on=BIRTHDAY) == 1
    teenager.refresh_from_db()
    assert teenager.obligation_status == "obliged"
    latest = ObligationAssessment.objects.filter(beneficiary=teenager).first()
    assert latest is not None and latest.assessed_by is None and latest.assessed_on == BIRTHDAY
    assert obligations_reassess_nightly(on=BIRTHDAY) == 0  # once
    assert ObligationAssessment.objects.filter(beneficiary=adult_already).count() == 1
    page = login_client(caseworker).get(reverse("beneficiaries:detail", args=[teenager.pk]))
    assert "par système (Réévaluation de nuit : anniversaire)" in page.content.decode()


def test_a_missed_night_is_caught_up_and_29_february_counts_on_1_march(
    caseworker: User,
) -> None:
    leapling = BeneficiaryFactory(
        birth_date=date(2008, 2, 29),
        nationality="MA",
        first_registration_on=date(2025, 9, 1),
        permit_ordered_on=date(2025, 9, 15),
        permit_over_3_months=True,
    )
    obligation_assess(beneficiary=leapling, by=caseworker, trigger="x", on=date(2026, 2, 1))
    assert obligations_reassess_nightly(on=date(2026, 2, 28)) == 0  # still 17
    assert obligations_reassess_nightly(on=date(2026, 3, 4)) == 1  # 1 March, caught up
    leapling.refresh_from_db()
    assert leapling.obligation_status == "obliged"


def test_the_beat_task_runs_the_night(db: None) -> None:
    assert obligations_nightly() == 0
