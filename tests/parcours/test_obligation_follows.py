"""A changed obligation follows through to the path and to the copies of its attestation."""

from __future__ import annotations

from datetime import date
from typing import Any

from attestations.services import attestation_issue
from beneficiaries.services import beneficiary_update, exemption_record
from cainamur.models import AuditEvent, User
from parcours.models import Parcours
from tests.factories import BeneficiaryFactory, complete_path, give_addresses, obliged_file


def test_a_voluntary_path_turned_obliged_gets_the_copies(
    caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    # Declared as the family of a mobile EU citizen: not concerned, a voluntary path.
    commune = give_addresses()
    person = BeneficiaryFactory(
        commune=commune,
        nationality="MA",
        first_registration_on=date(2026, 1, 12),
        permit_ordered_on=date(2026, 1, 20),
        eu_family_member=True,
        eu_family_free_movement=True,
    )
    parcours: Parcours = complete_path(person, caseworker, voluntary=True)  # type: ignore[assignment]
    assert parcours.kind == "voluntary"
    # It turns out the spouse is a Belgian who never moved: obliged after all.
    beneficiary_update(beneficiary=person, data={"eu_family_free_movement": False}, by=caseworker)
    parcours.refresh_from_db()
    assert parcours.kind == "obliged" and parcours.attestation_deadline is not None
    assert AuditEvent.objects.filter(action="parcours.kind_change", object_id=parcours.pk)
    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestation_issue(parcours=parcours, by=caseworker)
    assert attestation.kind == "obliged"
    assert {d.recipient_kind for d in attestation.dispatches.all()} == {"commune"}


def test_a_job_found_mid_path_finishes_voluntarily_without_copies(
    caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    person = obliged_file(caseworker, commune=give_addresses(), cpas_support=True)
    parcours: Parcours = complete_path(person, caseworker)  # type: ignore[assignment]
    assert parcours.kind == "obliged"
    exemption_record(
        beneficiary=person, code="employment", proven_on=date(2026, 9, 1), by=caseworker
    )
    parcours.refresh_from_db()
    assert parcours.kind == "voluntary" and parcours.attestation_deadline is None
    assert parcours.axes.filter(status="completed").exists()  # every hour kept
    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestation_issue(parcours=parcours, by=caseworker)
    assert attestation.kind == "voluntary" and not attestation.dispatches.exists()


def test_the_presentation_is_met_by_coming_not_by_the_social_assessment(
    caseworker: User, reception: User
) -> None:
    from django.utils import timezone

    from parcours.selectors import path_panel
    from parcours.services import parcours_open
    from reception.models import Permanence
    from reception.services import ticket_register

    person = obliged_file(caseworker)
    parcours = parcours_open(beneficiary=person, by=caseworker)
    today = timezone.localdate()
    kinds = {d.kind for d in path_panel(parcours, today=today)["deadlines"]}
    assert "presentation" in kinds  # opening the path is not the person coming
    # A walk-in at the permanence: the person presented today.
    ticket_register(
        permanence=Permanence.objects.get(office__code="namur"),
        on=today,
        by=reception,
        beneficiary=person,
    )
    person.refresh_from_db()
    assert person.presented_on == today
    parcours.refresh_from_db()
    kinds = {d.kind for d in path_panel(parcours, today=today)["deadlines"]}
    assert "presentation" not in kinds
    assert AuditEvent.objects.filter(action="beneficiaries.presented", beneficiary=person)
