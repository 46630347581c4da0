"""An obliged person whose presentation deadline passed (registered ten months ago, never
presented), and an obliged path whose attestation deadline passed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from beneficiaries.models import Beneficiary
from cainamur.models import User
from parcours.services import obligation_assess
from tests.factories import BeneficiaryFactory


def months_ago(months: int) -> date:
    return timezone.localdate() - timedelta(days=round(months * 30.5))


@pytest.fixture
def late(caseworker: User) -> Beneficiary:
    """Obliged, registered and permit ordered ten months ago, never presented."""
    beneficiary = BeneficiaryFactory(
        last_name="Haddad",
        first_registration_on=months_ago(10),
        permit_ordered_on=months_ago(10),
    )
    obligation_assess(beneficiary=beneficiary, by=caseworker, trigger="test")
    beneficiary.refresh_from_db()
    return beneficiary
