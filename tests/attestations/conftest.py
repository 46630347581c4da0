"""An obliged person helped by the CPAS whose path is complete; the commune and the CPAS
have e-mail addresses."""

from __future__ import annotations

import pytest

from beneficiaries.models import Beneficiary, Commune
from cainamur.models import User
from parcours.models import Parcours
from tests.factories import complete_path, give_addresses, obliged_file


@pytest.fixture
def addresses() -> Commune:
    return give_addresses()


@pytest.fixture
def helped(caseworker: User, addresses: Commune) -> Beneficiary:
    return obliged_file(
        caseworker,
        first_names="Amina",
        last_name="Benali",
        commune=addresses,
        cpas_support=True,
        national_number="85073003328",
    )


@pytest.fixture
def completed(helped: Beneficiary, caseworker: User) -> Parcours:
    parcours = complete_path(helped, caseworker)
    assert parcours.status == Parcours.Status.COMPLETED and parcours.kind == "obliged"  # type: ignore[attr-defined]
    return parcours  # type: ignore[return-value]
