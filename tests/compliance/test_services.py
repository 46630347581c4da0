"""The « manquements »: who is in breach, the report's evidence, its sending (frozen) and
the outcome. Nothing here blocks the path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from beneficiaries.models import Beneficiary, Commune
from cainamur.models import User
from compliance import services
from compliance.selectors import current_breaches, report_snapshot
from operators import services as orientations
from operators.models import Offer, Operator
from parcours.models import Evaluation, Parcours
from parcours.services import (
    extension_record,
    force_majeure_record,
    invitation_record,
    parcours_move,
    parcours_open,
)
from tests.compliance.conftest import months_ago


def _breaches(beneficiary: Beneficiary) -> list[tuple[str, object]]:
    files = Beneficiary.objects.filter(pk=beneficiary.pk)
    return [(b.kind, b.since) for b in current_breaches(files, today=timezone.localdate())]


def test_late_presentation_is_a_breach_until_force_majeure_covers_it(
    late: Beneficiary, caseworker: User
) -> None:
    due = late.presentation_deadline
    assert due is not None and due < timezone.localdate()
    assert _breaches(late) == [("presentation", due + timedelta(days=1))]
    # Force majeure over the whole time stops the clock: the deadline moves past today.
    force_majeure_record(
        beneficiary=late,
        start_on=months_ago(9),
        end_on=timezone.localdate() - timedelta(days=1),
        reason="Hospitalisation longue",
        document=ContentFile(b"%PDF-1.4 certificat", name="certificat.pdf"),
        by=caseworker,
    )
    late.refresh_from_db()
    assert late.presentation_deadline > timezone.localdate()
    assert _breaches(late) == []


def test_presented_in_time_is_no_breach(caseworker: User) -> None:
    from beneficiaries.services import beneficiary_presented
    from parcours.services import obligation_assess
    from tests.factories import BeneficiaryFactory

    person = BeneficiaryFactory(
        first_registration_on=months_ago(10), permit_ordered_on=months_ago(10)
    )
    obligation_assess(beneficiary=person, by=caseworker, trigger="test")
    beneficiary_presented(beneficiary=person, on=months_ago(9), by=caseworker)
    assert _breaches(person) == []


def _obliged_path(person: Beneficiary, caseworker: User) -> Parcours:
    """The person came late (five months ago, the deadline was seven months ago)."""
    from beneficiaries.services import beneficiary_presented

    beneficiary_presented(beneficiary=person, on=months_ago(5), by=caseworker)
    return parcours_open(beneficiary=person, by=caseworker, on=months_ago(5))


def test_attestation_deadline_passed_and_an_extension(late: Beneficiary, caseworker: User) -> None:
    parcours = _obliged_path(late, caseworker)
    yesterday = timezone.localdate() - timedelta(days=1)
    Parcours.objects.filter(pk=parcours.pk).update(attestation_deadline=yesterday)
    assert ("attestation", timezone.localdate()) in _breaches(late)
    # The Minister's extension moves the deadline: no breach.
    extension_record(
        parcours=parcours,
        deadline="attestation",
        decided_on=yesterday,
        new_end_on=timezone.localdate() + timedelta(days=90),
        reason="Décision ministérielle",
        document=None,
        by=caseworker,
    )
    assert "attestation" not in [kind for kind, _ in _breaches(late)]


def _missed(parcours: Parcours, on: object, *, justified: bool, by: User) -> Evaluation:
    evaluation = Evaluation.objects.create(
        parcours=parcours, due_on=on, held_on=on, attended=False, absence_justified=justified
    )
    invitation_record(
        evaluation=evaluation,
        channel="email",
        sent_on=on - timedelta(days=20),
        proof_number="",
        by=by,
    )
    return evaluation


def test_two_absences_without_a_valid_reason(late: Beneficiary, caseworker: User) -> None:
    parcours = _obliged_path(late, caseworker)
    _missed(parcours, months_ago(6), justified=False, by=caseworker)
    _missed(parcours, months_ago(1), justified=True, by=caseworker)
    assert "absences" not in [kind for kind, _ in _breaches(late)]
    # Missed without a valid reason, but no invitation recorded: no evidence, no breach.
    third = timezone.localdate() - timedelta(days=3)
    Evaluation.objects.create(
        parcours=parcours, due_on=third, held_on=third, attended=False, absence_justified=False
    )
    assert "absences" not in [kind for kind, _ in _breaches(late)]
    fourth = timezone.localdate() - timedelta(days=2)
    _missed(parcours, fourth, justified=False, by=caseworker)
    assert ("absences", fourth) in _breaches(late)
    # Absences on an earlier path do not count on a new one.
    parcours_move(parcours=parcours, to="abandoned", by=caseworker, why="Parti")
    parcours_open(beneficiary=late, by=caseworker)
    assert "absences" not in [kind for kind, _ in _breaches(late)]


def test_abandoning_does_not_end_the_attestation_breach_a_completed_path_waits_for_us(
    late: Beneficiary, caseworker: User
) -> None:
    parcours = _obliged_path(late, caseworker)
    yesterday = timezone.localdate() - timedelta(days=1)
    Parcours.objects.filter(pk=parcours.pk).update(attestation_deadline=yesterday)
    parcours_move(parcours=parcours, to="abandoned", by=caseworker, why="Ne vient plus")
    assert ("attestation", timezone.localdate()) in _breaches(late)
    # All hours done, the attestation not yet issued: the centre's delay, not a breach.
    Parcours.objects.filter(pk=parcours.pk).update(status="completed")
    assert "attestation" not in [kind for kind, _ in _breaches(late)]


def test_an_obliged_person_who_never_opened_a_path(late: Beneficiary) -> None:
    from parcours.models import ObligationAssessment

    ObligationAssessment.objects.filter(beneficiary=late).update(
        attestation_deadline=timezone.localdate() - timedelta(days=10)
    )
    assert ("attestation", timezone.localdate() - timedelta(days=9)) in _breaches(late)


def test_force_majeure_before_arriving_moves_nothing(late: Beneficiary, caseworker: User) -> None:
    before = late.presentation_deadline
    assert late.first_registration_on is not None
    # Implausible (the form and the service say so on its end): nothing is recorded.
    with pytest.raises(ValidationError, match="après l'arrivée en Wallonie"):
        force_majeure_record(
            beneficiary=late,
            start_on=late.first_registration_on - timedelta(days=100),
            end_on=late.first_registration_on - timedelta(days=41),
            reason="Avant l'arrivée",
            document=ContentFile(b"%PDF-1.4", name="c.pdf"),
            by=caseworker,
        )
    late.refresh_from_db()
    assert late.presentation_deadline == before


@pytest.fixture
def evidence(late: Beneficiary, caseworker: User) -> Parcours:
    """A path with an invitation by registered letter and a waiting list (no place)."""
    parcours = _obliged_path(late, caseworker)
    evaluation = Evaluation.objects.create(parcours=parcours, due_on=months_ago(2))
    invitation_record(
        evaluation=evaluation,
        channel="registered_letter",
        sent_on=months_ago(3),
        proof_number="RR 1234 5678 9BE",
        by=caseworker,
    )
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["french"])
    offer = Offer.objects.create(operator=operator, title="FLE A1", axis="french", capacity=0)
    offer.communes.set(Commune.objects.filter(name="Namur"))
    orientation = orientations.orientation_propose(beneficiary=late, offer=offer, by=caseworker)
    with pytest.raises(orientations.NoPlace):
        orientations.orientation_move(orientation=orientation, to="enrolled", by=caseworker)
    return parcours


def test_the_report_holds_the_evidence_and_is_frozen_when_sent(
    late: Beneficiary, evidence: Parcours, coordinator: User, caseworker: User
) -> None:
    case = services.case_open(beneficiary=late, kind="presentation", by=coordinator)
    assert _breaches(late) == []  # the breach has its file now
    with pytest.raises(services.ComplianceError, match="déjà son dossier"):
        services.case_open(beneficiary=late, kind="presentation", by=coordinator)
    report = report_snapshot(case, today=timezone.localdate())
    assert report["person"]["file_number"] == late.file_number
    assert report["references"]["no_place"] == "CWASS, art. 152/8"
    invitations = report["evaluations"][0]["invitations"]
    assert invitations == [
        {
            "channel": "lettre recommandée",
            "sent_on": f"{months_ago(3):%d/%m/%Y}",
            "proof": "RR 1234 5678 9BE",
        }
    ]
    assert len(report["waiting_list"]) == 1
    assert "FLE A1" in report["waiting_list"][0]["summary"]
    assert "pas de place" in report["waiting_list"][0]["summary"]

    services.report_sent(
        case=case,
        sent_on=timezone.localdate(),
        sent_to="Fonctionnaire sanctionnateur",
        sent_reference="RR 9999",
        by=coordinator,
    )
    case.refresh_from_db()
    assert case.report["person"]["full_name"] == late.full_name
    # Later facts do not change what was sent.
    Beneficiary.objects.filter(pk=late.pk).update(last_name="Autre")
    case.refresh_from_db()
    assert case.report["person"]["full_name"] == late.full_name
    with pytest.raises(services.ComplianceError, match="déjà enregistré"):
        services.report_sent(
            case=case, sent_on=timezone.localdate(), sent_to="x", sent_reference="y", by=coordinator
        )


def test_outcomes_fine_bounds_and_appeal(late: Beneficiary, coordinator: User) -> None:
    case = services.case_open(beneficiary=late, kind="presentation", by=coordinator)
    today = timezone.localdate()
    with pytest.raises(services.ComplianceError, match="d'abord l'envoi"):
        services.outcome_record(
            case=case,
            outcome="warning",
            outcome_on=today,
            fine_amount=None,
            note="",
            by=coordinator,
        )
    services.report_sent(
        case=case, sent_on=today, sent_to="SPW", sent_reference="RR 1", by=coordinator
    )
    for amount in (Decimal("99"), Decimal("2600"), None):
        with pytest.raises(services.ComplianceError, match="de 100 à 2500"):
            services.outcome_record(
                case=case,
                outcome="fine",
                outcome_on=today,
                fine_amount=amount,
                note="",
                by=coordinator,
            )
    services.outcome_record(
        case=case,
        outcome="fine",
        outcome_on=today,
        fine_amount=Decimal("250"),
        note="",
        by=coordinator,
    )
    case.refresh_from_db()
    assert (case.outcome, case.fine_amount) == ("fine", Decimal("250"))
    with pytest.raises(services.ComplianceError, match="ne peut pas suivre"):
        services.outcome_record(
            case=case,
            outcome="warning",
            outcome_on=today,
            fine_amount=None,
            note="",
            by=coordinator,
        )
    services.outcome_record(
        case=case,
        outcome="appeal",
        outcome_on=today,
        fine_amount=None,
        note="Recours",
        by=coordinator,
    )
    case.refresh_from_db()
    assert (case.outcome, case.fine_amount) == ("appeal", Decimal("250"))
    services.outcome_record(
        case=case,
        outcome="no_follow_up",
        outcome_on=today,
        fine_amount=None,
        note="",
        by=coordinator,
    )
    case.refresh_from_db()
    assert case.outcome == "no_follow_up" and case.fine_amount is None


def test_nothing_blocks_the_path(late: Beneficiary, coordinator: User, caseworker: User) -> None:
    case = services.case_open(beneficiary=late, kind="presentation", by=coordinator)
    parcours = parcours_open(beneficiary=late, by=caseworker)
    assert parcours.status == "welcome" and case.outcome == "pending"


def test_the_report_never_carries_a_reason_and_a_lifted_breach_is_closed_without_sending(
    late: Beneficiary, coordinator: User, caseworker: User
) -> None:
    case = services.case_open(beneficiary=late, kind="presentation", by=coordinator)
    force_majeure_record(
        beneficiary=late,
        start_on=months_ago(9),
        end_on=timezone.localdate() - timedelta(days=1),
        reason="Dépression sévère",
        document=ContentFile(b"%PDF-1.4", name="c.pdf"),
        by=caseworker,
    )
    report = report_snapshot(case, today=timezone.localdate())
    assert "Dépression" not in str(report) and len(report["force_majeure"]) == 1
    today = timezone.localdate()
    with pytest.raises(services.ComplianceError, match="plus constaté"):
        services.report_sent(
            case=case, sent_on=today, sent_to="SPW", sent_reference="RR", by=coordinator
        )
    services.outcome_record(
        case=case,
        outcome="no_follow_up",
        outcome_on=today,
        fine_amount=None,
        note="",
        by=coordinator,
    )
    case.refresh_from_db()
    assert case.outcome == "no_follow_up" and case.sent_on is None


def test_an_appeal_cannot_precede_the_decision(late: Beneficiary, coordinator: User) -> None:
    case = services.case_open(beneficiary=late, kind="presentation", by=coordinator)
    today = timezone.localdate()
    with pytest.raises(services.ComplianceError, match="avant le manquement"):
        services.report_sent(
            case=case,
            sent_on=case.breach_on - timedelta(days=1),
            sent_to="SPW",
            sent_reference="RR",
            by=coordinator,
        )
    services.report_sent(
        case=case,
        sent_on=today - timedelta(days=10),
        sent_to="SPW",
        sent_reference="RR",
        by=coordinator,
    )
    services.outcome_record(
        case=case,
        outcome="warning",
        outcome_on=today - timedelta(days=2),
        fine_amount=None,
        note="",
        by=coordinator,
    )
    with pytest.raises(services.ComplianceError, match="précéder la précédente"):
        services.outcome_record(
            case=case,
            outcome="appeal",
            outcome_on=today - timedelta(days=5),
            fine_amount=None,
            note="",
            by=coordinator,
        )
