"""The file's « Historique »: everyone with the file reads what happened and who did it;
reasons typed by a person (possibly health information) only with the health permission,
orientations only for those who run the path."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from beneficiaries.models import Commune
from cainamur.models import User
from operators.models import Offer, Operator
from operators.services import orientation_propose
from parcours.services import parcours_change_status, parcours_open
from tests.factories import obliged_file


def test_reasons_and_orientations_are_shown_only_to_those_allowed(
    caseworker: User, reception: User, login_client: Any
) -> None:
    beneficiary = obliged_file(caseworker)
    parcours = parcours_open(beneficiary=beneficiary, by=caseworker)
    parcours_change_status(
        parcours=parcours, to="suspended", by=caseworker, reason="Hospitalisation (dépression)"
    )
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator, title="Citoyenneté A", axis="citizenship", capacity=5
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    orientation_propose(beneficiary=beneficiary, offer=offer, by=caseworker)
    url = reverse("beneficiaries:detail", args=[beneficiary.pk])

    seen_by_caseworker = login_client(caseworker).get(url).content.decode()
    assert "Parcours : Module d&#x27;accueil → Suspendu" in seen_by_caseworker
    assert "Hospitalisation (dépression)" in seen_by_caseworker
    assert "Orientation proposée : « Citoyenneté A »" in seen_by_caseworker

    seen_by_reception = login_client(reception).get(url).content.decode()
    assert "Parcours : Module d&#x27;accueil → Suspendu" in seen_by_reception
    assert "Hospitalisation" not in seen_by_reception
    assert "Citoyenneté A" not in seen_by_reception
