"""The file says why the obligation applies, and when a minor becomes obliged (issue 14)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from cainamur.models import User
from parcours import rules
from tests.factories import obliged_file, signed_path


def test_the_rules_explain_an_obligation_and_a_minor_s_18th_birthday() -> None:
    facts = rules.PersonFacts(
        birth_date=date(1990, 5, 17),
        nationality="MA",
        first_registration_on=date(2026, 1, 12),
        permit_ordered_on=date(2026, 1, 20),
    )
    grounds = rules.obligation_grounds(facts, date(2026, 11, 30), nationality_name="Maroc")
    assert "Nationalité Maroc" in grounds[0]
    assert grounds[1].startswith("36 ans le 30/11/2026")
    assert any("commandé le 20/01/2026" in line for line in grounds)
    assert any("12/01/2026" in line for line in grounds)
    minor = rules.PersonFacts(**{**facts.__dict__, "birth_date": date(2010, 2, 28)})
    result = rules.assess_obligation(minor, date(2026, 11, 30))
    assert result.reasons == (rules.UNDER_18,)
    assert rules.becomes_obliged_on(minor, result) == date(2028, 2, 28)
    old = rules.PersonFacts(**{**facts.__dict__, "birth_date": date(1950, 1, 1)})
    assert rules.becomes_obliged_on(old, rules.assess_obligation(old, date(2026, 11, 30))) is None


def test_the_file_page_says_why_and_when(caseworker: User, login_client: Any) -> None:
    client = login_client(caseworker)
    adult = obliged_file(caseworker, birth_date=date(1990, 5, 17))
    page = client.get(reverse("beneficiaries:detail", args=[adult.pk])).content.decode()
    assert "Pourquoi l'obligation s'applique" in page
    assert "Premier titre de séjour de plus de trois mois commandé le 20/01/2026" in page
    minor = obliged_file(caseworker, birth_date=date(2010, 2, 28))
    page = client.get(reverse("beneficiaries:detail", args=[minor.pk])).content.decode()
    assert "Deviendra obligé·e le 28/02/2028" in page


def test_an_axis_due_after_the_attestation_is_flagged(caseworker: User, login_client: Any) -> None:
    from parcours.models import Axis

    person = obliged_file(caseworker, last_name="Tardive", caseworker=caseworker)
    parcours: Any = signed_path(person, caseworker)
    # French started late: 16 months from 1 January 2028 end after 20 January 2029.
    Axis.objects.filter(parcours=parcours, kind="french").update(started_on=date(2028, 1, 1))
    client = login_client(caseworker)
    page = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert 'data-testid="axis-after-attestation"' in page
    home = client.get(reverse("home-caseworker")).content.decode()
    assert "Français : échéance après celle de l&#x27;attestation" in home
