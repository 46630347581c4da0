"""The register and its CSV list a day's attestations by name, in French order (case and
accents ignored), on whichever PostgreSQL the suite runs."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from attestations.services import attestation_issue
from cainamur.models import User
from parcours.models import Parcours
from tests.factories import BeneficiaryFactory, complete_path

# Neither the order of issue nor byte order is the French order.
NAMES = ["Eben", "Zoé", "Ça", "ebert", "Étienne"]
FRENCH_ORDER = ["ÇA Amal", "EBEN Amal", "EBERT Amal", "ÉTIENNE Amal", "ZOÉ Amal"]


def test_the_register_csv_lists_names_in_french_order(
    caseworker: User, coordinator: User, login_client: Callable[[User], Client]
) -> None:
    for name in NAMES:
        parcours = complete_path(
            BeneficiaryFactory(last_name=name, first_names="Amal"), caseworker, voluntary=True
        )
        assert isinstance(parcours, Parcours)
        attestation_issue(parcours=parcours, by=caseworker)
    client = login_client(coordinator)
    response = client.post(reverse("attestations:register"), {"export": "csv"})
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert [row[4] for row in rows[1:]] == FRENCH_ORDER
    assert {row[7] for row in rows[1:]} == {"Volontaire"}
    page = client.get(reverse("attestations:register")).content.decode()
    positions = [page.index(name) for name in FRENCH_ORDER]
    assert positions == sorted(positions)
