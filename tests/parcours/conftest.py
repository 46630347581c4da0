"""Fixtures shared by the path tests: an obliged person, and a path whose welcome module
is complete."""

from __future__ import annotations

from datetime import date

import pytest

from beneficiaries.models import Beneficiary
from cainamur.models import User
from parcours.models import Parcours
from parcours.services import obligation_assess, parcours_open, welcome_update
from tests.factories import BeneficiaryFactory


@pytest.fixture
def obliged(caseworker: User) -> Beneficiary:
    beneficiary = BeneficiaryFactory(
        first_registration_on=date(2026, 6, 2), permit_ordered_on=date(2026, 6, 20)
    )
    obligation_assess(beneficiary=beneficiary, by=caseworker, trigger="test")
    return beneficiary


@pytest.fixture
def welcomed(obliged: Beneficiary, caseworker: User) -> Parcours:
    parcours = parcours_open(beneficiary=obliged, by=caseworker, on=date(2026, 9, 1))
    welcome_update(
        parcours=parcours,
        by=caseworker,
        data={
            "social_assessment_on": date(2026, 9, 1),
            "rights_duties_on": date(2026, 9, 8),
            "french_test_on": date(2026, 9, 10),
            "french_level": "a1",
        },
    )
    return parcours
