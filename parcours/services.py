"""Writes on the integration path and the obligation assessment."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from parcours import rules
from parcours.models import ObligationAssessment, RulesConfig

if TYPE_CHECKING:
    from beneficiaries.models import Beneficiary


def person_facts(
    beneficiary: Beneficiary, *, exemptions: frozenset[str] | None = None
) -> rules.PersonFacts:
    """The facts the rules need, read from the file and its proven exemptions (read from
    the database unless given)."""
    if exemptions is None:
        exemptions = frozenset(beneficiary.exemptions.values_list("code", flat=True))
    return rules.PersonFacts(
        birth_date=beneficiary.birth_date,
        nationality=str(beneficiary.nationality.code),
        first_registration_on=beneficiary.first_registration_on,
        permit_ordered_on=beneficiary.permit_ordered_on,
        permit_over_3_months=beneficiary.permit_over_3_months,
        eu_family_member=beneficiary.eu_family_member,
        protection_applicant=beneficiary.protection_applicant,
        temporary_protection=beneficiary.temporary_protection,
        exemptions=exemptions,
    )


def facts_json(facts: rules.PersonFacts) -> dict[str, Any]:
    data = asdict(facts)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    data["exemptions"] = sorted(facts.exemptions)
    return data


def obligation_assess(
    *, beneficiary: Beneficiary, by: Any, trigger: str, on: date | None = None
) -> ObligationAssessment:
    """Run the obligation rules on the file now, keep the result, copy the status onto the
    file (for filtering). Called whenever a fact the rules read changes."""
    from beneficiaries.models import Beneficiary

    on = on or timezone.localdate()
    config = RulesConfig.current()
    facts = person_facts(beneficiary)
    standstill = frozenset(config.standstill_nationalities)
    result = rules.assess_obligation(
        facts,
        on,
        regime_2024_start=config.regime_2024_start,
        standstill_nationalities=standstill,
    )
    with transaction.atomic():
        assessment = ObligationAssessment.objects.create(
            beneficiary=beneficiary,
            assessed_on=on,
            assessed_by=by,
            trigger=trigger[:200],
            facts=facts_json(facts),
            regime_2024_start=config.regime_2024_start,
            standstill_nationalities=sorted(standstill),
            status=result.status,
            reasons=list(result.reasons),
            regime=result.regime or "",
            presentation_deadline=result.presentation_deadline,
            attestation_deadline=result.attestation_deadline,
        )
        if beneficiary.obligation_status != result.status:
            Beneficiary.objects.filter(pk=beneficiary.pk).update(obligation_status=result.status)
            beneficiary.obligation_status = result.status
    return assessment
