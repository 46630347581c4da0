"""Caseworkers search the operators' offers by axis, commune (and nearby), language and
places left."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Commune
from cainamur.models import User
from operators.models import Offer, Operator


def offer(operator: Operator, title: str, axis: str, communes: list[str], **extra: Any) -> Offer:
    created = Offer.objects.create(
        operator=operator, title=title, axis=axis, capacity=extra.pop("capacity", 12), **extra
    )
    created.communes.set(Commune.objects.filter(name__in=communes))
    return created


def test_search_by_axis_commune_language_and_places(caseworker: User, login_client: Any) -> None:
    school = Operator.objects.create(name="EPS Namur", kind="school", families=["french"])
    ili = Operator.objects.create(name="Lire et Écrire Namur", kind="ili", families=["citizenship"])
    offer(school, "FLE A1 soir", "french", ["Namur"], languages=["fr"])
    offer(ili, "Citoyenneté en arabe", "citizenship", ["Andenne"], languages=["ar"])
    offer(ili, "Citoyenneté complet", "citizenship", ["Dinant"], capacity=10, taken=10)
    client = login_client(caseworker)
    url = reverse("operators:offers")

    def titles(**params: Any) -> list[str]:
        page = client.get(url, params).content.decode()
        return [
            t for t in ("FLE A1 soir", "Citoyenneté en arabe", "Citoyenneté complet") if t in page
        ]

    assert titles() == ["FLE A1 soir", "Citoyenneté en arabe", "Citoyenneté complet"]
    assert titles(axis="citizenship") == ["Citoyenneté en arabe", "Citoyenneté complet"]
    namur = Commune.objects.get(name="Namur")
    assert titles(commune=namur.pk) == ["FLE A1 soir"]
    # Andenne is in the arrondissement of Namur: a nearby commune.
    assert "Citoyenneté en arabe" in titles(commune=namur.pk, nearby="on")
    assert titles(language="ar") == ["Citoyenneté en arabe"]
    assert "Citoyenneté complet" not in titles(places="on")


def test_query_count_does_not_grow(caseworker: User, login_client: Any) -> None:
    school = Operator.objects.create(name="EPS Namur", kind="school", families=["french"])
    client = login_client(caseworker)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("operators:offers")).status_code == 200
        return len(captured)

    offer(school, "Offre 1", "french", ["Namur", "Gembloux"])
    one = count()
    for n in range(2, 6):
        offer(school, f"Offre {n}", "french", ["Namur"])
    assert count() == one
