"""An obliged person helped by the CPAS whose path is complete; the commune and the CPAS
have e-mail addresses."""

from __future__ import annotations

from datetime import date

import pytest

from beneficiaries.models import Beneficiary, Commune, Cpas
from cainamur.models import User
from parcours.models import Parcours
from parcours.services import obligation_assess
from tests.factories import BeneficiaryFactory, complete_path


@pytest.fixture
def addresses() -> Commune:
    commune = Commune.objects.get(name="Namur")
    commune.population_email = "population@ville.namur.test"
    commune.save()
    Cpas.objects.filter(commune=commune).update(email="social@cpas.namur.test")
    return commune


@pytest.fixture
def helped(caseworker: User, addresses: Commune) -> Beneficiary:
    beneficiary = BeneficiaryFactory(
        first_names="Amina",
        last_name="Benali",
        commune=addresses,
        first_registration_on=date(2026, 1, 12),
        permit_ordered_on=date(2026, 1, 20),
        cpas_support=True,
        national_number="85073003328",
    )
    obligation_assess(beneficiary=beneficiary, by=caseworker, trigger="test")
    return beneficiary


@pytest.fixture
def completed(helped: Beneficiary, caseworker: User) -> Parcours:
    parcours = complete_path(helped, caseworker)
    assert parcours.status == Parcours.Status.COMPLETED and parcours.kind == "obliged"  # type: ignore[attr-defined]
    return parcours  # type: ignore[return-value]
