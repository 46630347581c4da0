"""An exemption that ends (a job, a medical certificate, studies): it counts until its last
day, the nightly run assesses the file again the day after, and the file says when the
person becomes obliged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Exemption
from beneficiaries.services import exemption_end, exemption_record
from cainamur.models import User
from parcours import rules
from parcours.models import ObligationAssessment
from parcours.services import obligation_assess, obligations_reassess_nightly
from tests.factories import obliged_file

JOB_FROM = date(2026, 2, 1)
JOB_UNTIL = date(2026, 6, 30)


def obliged_facts(**changes: Any) -> rules.PersonFacts:
    facts = rules.PersonFacts(
        birth_date=date(1990, 5, 4),
        nationality="MA",
        first_registration_on=date(2026, 1, 12),
        permit_ordered_on=date(2026, 1, 20),
        permit_over_3_months=True,
        eu_family_member=False,
        protection_applicant=False,
        temporary_protection=False,
        exemptions=frozenset({"employment"}),
    )
    return replace(facts, **changes)


def test_the_rules_name_the_day_after_the_last_exempt_day() -> None:
    facts = obliged_facts()
    on = date(2026, 3, 1)
    ends = {"employment": JOB_UNTIL}
    assert rules.assess_obligation(facts, on).status == rules.EXEMPT
    assert rules.obliged_when_exemptions_end(facts, on, ends) == date(2026, 7, 1)
    # Another exemption without an end keeps the person exempt: no date to announce.
    both = obliged_facts(exemptions=frozenset({"employment", "belgian_diploma"}))
    assert rules.obliged_when_exemptions_end(both, on, ends) is None
    # Two that end: the person becomes obliged when the later one ends.
    studies = obliged_facts(exemptions=frozenset({"employment", "studies"}))
    later = {"employment": JOB_UNTIL, "studies": date(2026, 9, 14)}
    assert rules.obliged_when_exemptions_end(studies, on, later) == date(2026, 9, 15)
    # At 64 and a half, the end of a job comes after the 65th birthday: exempt by age then.
    old = obliged_facts(birth_date=date(1961, 7, 1))
    assert rules.obliged_when_exemptions_end(old, on, {"employment": date(2026, 8, 31)}) is None


def test_an_exemption_counts_until_its_last_day_only(caseworker: User) -> None:
    person = obliged_file(caseworker)
    exemption_record(
        beneficiary=person,
        code="employment",
        proven_on=JOB_FROM,
        valid_until=JOB_UNTIL,
        by=caseworker,
    )
    assess = obligation_assess
    assert assess(beneficiary=person, by=caseworker, trigger="t", on=JOB_UNTIL).status == "exempt"
    after = assess(beneficiary=person, by=caseworker, trigger="t", on=date(2026, 7, 1))
    assert after.status == "obliged" and after.facts["exemptions"] == []


def test_an_end_before_the_proof_is_refused_by_the_model_and_the_database(
    caseworker: User,
) -> None:
    person = obliged_file(caseworker)
    exemption = exemption_record(
        beneficiary=person, code="employment", proven_on=JOB_FROM, by=caseworker
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="avant la date de sa preuve"):
        exemption_end(exemption=exemption, valid_until=date(2026, 1, 31), by=caseworker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Exemption.objects.filter(pk=exemption.pk).update(valid_until=date(2026, 1, 31))
    exemption.refresh_from_db()
    assert exemption.valid_until is None


def test_the_nightly_run_assesses_a_file_the_day_after_its_exemption_ends(
    caseworker: User, login_client: Any
) -> None:
    person = obliged_file(caseworker)
    lasting = obliged_file(caseworker)
    exemption_record(
        beneficiary=person,
        code="employment",
        proven_on=JOB_FROM,
        valid_until=JOB_UNTIL,
        by=caseworker,
    )
    exemption_record(beneficiary=lasting, code="belgian_diploma", proven_on=JOB_FROM, by=caseworker)
    for file in (person, lasting):
        obligation_assess(beneficiary=file, by=caseworker, trigger="t", on=date(2026, 6, 1))
    assert obligations_reassess_nightly(on=JOB_UNTIL) == 0  # still covered that day
    assert obligations_reassess_nightly(on=date(2026, 7, 1)) == 1
    person.refresh_from_db()
    assert person.obligation_status == "obliged"
    latest = ObligationAssessment.objects.filter(beneficiary=person).first()
    assert latest is not None and latest.assessed_by is None
    assert latest.assessed_on == date(2026, 7, 1)
    assert obligations_reassess_nightly(on=date(2026, 7, 2)) == 0  # once
    assert ObligationAssessment.objects.filter(beneficiary=lasting).first().status == "exempt"  # type: ignore[union-attr]
    page = login_client(caseworker).get(reverse("beneficiaries:detail", args=[person.pk]))
    text = page.content.decode()
    assert "(Réévaluation de nuit : fin de dispense)" in text
    assert "A pris fin le 30/06/2026" in text


def test_the_caseworker_records_the_end_and_the_file_says_when_the_obligation_begins(
    caseworker: User, reception: User, login_client: Any
) -> None:
    today = timezone.localdate()
    person = obliged_file(caseworker, office=caseworker.offices.first())
    exemption = exemption_record(
        beneficiary=person, code="employment", proven_on=JOB_FROM, by=caseworker
    )
    client = login_client(caseworker)
    url = reverse("beneficiaries:exemption-end", args=[person.pk, exemption.pk])
    detail = reverse("beneficiaries:detail", args=[person.pk])
    page = client.get(detail).content.decode()
    assert "Sans date de fin." in page and "Indiquer la fin" in page

    # Refused: before the proof; the date typed comes back in its field with the error.
    refused = client.post(url, {"valid_until": "2026-01-15"})
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "avant la date de sa preuve" in text and 'value="2026-01-15"' in text
    exemption.refresh_from_db()
    assert exemption.valid_until is None
    assert client.post(url, {"valid_until": ""}).status_code == 400

    # The job ends in a month: exempt until then, obliged the day after.
    last_day = today + timedelta(days=30)
    assert client.post(url, {"valid_until": last_day.isoformat()}).status_code == 302
    exemption.refresh_from_db()
    assert exemption.valid_until == last_day
    person.refresh_from_db()
    assert person.obligation_status == "exempt"
    page = client.get(detail).content.decode()
    becomes = (last_day + timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"Valable jusqu'au {last_day:%d/%m/%Y} inclus." in page
    assert f"Deviendra obligé·e le {becomes}, lendemain de la fin de sa dispense" in page
    assert "Fin de dispense : valable jusqu&#x27;au" in page  # in the history

    # Reception reads the same outcome (the exemption is not medical) but cannot change it.
    desk = login_client(reception)
    assert f"Deviendra obligé·e le {becomes}" in desk.get(detail).content.decode()
    assert desk.post(url, {"valid_until": today.isoformat()}).status_code == 403

    # It ended yesterday: obliged at once.
    yesterday = today - timedelta(days=1)
    assert client.post(url, {"valid_until": yesterday.isoformat()}).status_code == 302
    person.refresh_from_db()
    assert person.obligation_status == "obliged"
    page = client.get(detail).content.decode()
    assert f"A pris fin le {yesterday:%d/%m/%Y}" in page and "terminée" in page


def test_reception_is_not_told_that_a_medical_exemption_ends(
    caseworker: User, reception: User, login_client: Any
) -> None:
    """That the exemption ending is the medical one is health data: reception reads the
    outcome, not the date it ends with."""
    last_day = timezone.localdate() + timedelta(days=60)
    person = obliged_file(caseworker, office=caseworker.offices.first())
    exemption_record(
        beneficiary=person,
        code="medical",
        proven_on=JOB_FROM,
        valid_until=last_day,
        by=caseworker,
    )
    detail = reverse("beneficiaries:detail", args=[person.pk])
    assert "Deviendra obligé·e le" in login_client(caseworker).get(detail).content.decode()
    desk = login_client(reception).get(detail).content.decode()
    assert "Deviendra obligé·e" not in desk and f"{last_day:%d/%m/%Y}" not in desk
    medical = Exemption.objects.get(beneficiary=person)
    url = reverse("beneficiaries:exemption-end", args=[person.pk, medical.pk])
    assert login_client(reception).post(url, {"valid_until": "2026-03-01"}).status_code in (
        403,
        404,
    )


def test_the_exemption_form_takes_an_end_date(caseworker: User, login_client: Any) -> None:
    person = obliged_file(caseworker, office=caseworker.offices.first())
    client = login_client(caseworker)
    add = reverse("beneficiaries:exemption-add", args=[person.pk])
    refused = client.post(
        add, {"code": "studies", "proven_on": "2026-09-14", "valid_until": "2026-09-01"}
    )
    assert refused.status_code == 400
    assert "avant la date de sa preuve" in refused.content.decode()
    assert not Exemption.objects.filter(beneficiary=person).exists()
    client.post(add, {"code": "studies", "proven_on": "2026-09-14", "valid_until": "2027-06-30"})
    assert Exemption.objects.get(beneficiary=person).valid_until == date(2027, 6, 30)
