"""The path from opening to completion, through the services."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, InternalError, transaction

from beneficiaries.models import Beneficiary
from cainamur.models import AuditEvent, User
from parcours.models import Axis, Convention, HoursEntry, Parcours
from parcours.services import (
    PathError,
    convention_sign,
    hours_record,
    obligation_assess,
    parcours_change_status,
    parcours_open,
    welcome_update,
)
from tests.factories import BeneficiaryFactory

SIGN = {
    "signed_on": date(2026, 10, 1),
    "start_on": date(2026, 10, 1),
    "citizenship_hours": Decimal("60"),
    "french_required": True,
    "french_hours": Decimal("400"),
    "orientation_required": False,
    "orientation_hours": Decimal("4"),
}


def test_open_takes_kind_and_deadlines_from_the_assessment(
    obliged: Beneficiary, caseworker: User
) -> None:
    parcours = parcours_open(beneficiary=obliged, by=caseworker, on=date(2026, 9, 1))
    assert parcours.kind == "obliged" and parcours.status == "welcome"
    assert parcours.regime == "2024"
    assert parcours.attestation_deadline == date(2029, 6, 20)
    with pytest.raises(PathError, match="déjà un parcours ouvert"):
        parcours_open(beneficiary=obliged, by=caseworker)


def test_only_one_open_path_even_without_the_service(welcomed: Parcours, caseworker: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Parcours.objects.create(
            beneficiary=welcomed.beneficiary,
            kind="voluntary",
            opened_on=date(2026, 9, 2),
            opened_by=caseworker,
        )


def test_not_obliged_needs_the_voluntary_choice(caseworker: User) -> None:
    belgian = BeneficiaryFactory(nationality="BE")
    obligation_assess(beneficiary=belgian, by=caseworker, trigger="test")
    with pytest.raises(PathError, match="volontaire"):
        parcours_open(beneficiary=belgian, by=caseworker)
    parcours = parcours_open(beneficiary=belgian, by=caseworker, voluntary=True)
    assert parcours.kind == "voluntary" and parcours.attestation_deadline is None


def test_the_convention_says_what_was_true_when_it_was_signed(
    welcomed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Its content is frozen at signing: a later change of the file does not rewrite a
    convention rendered again, and the frozen content itself cannot be changed."""
    from pypdf import PdfReader

    from parcours.documents import convention_pdf_render

    convention = convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    beneficiary = welcomed.beneficiary
    signed_name = beneficiary.full_name
    assert convention.snapshot["full_name"] == signed_name
    Beneficiary.objects.filter(pk=beneficiary.pk).update(last_name="Nouveaunom")
    convention.refresh_from_db()
    text = PdfReader(io.BytesIO(convention_pdf_render(convention))).pages[0].extract_text()
    assert signed_name in " ".join(text.split()) and "NOUVEAUNOM" not in text.upper()
    with pytest.raises(InternalError, match="convention_snapshot_frozen"), transaction.atomic():
        Convention.objects.filter(pk=convention.pk).update(snapshot={"full_name": "Autre"})


def test_convention_needs_a_complete_welcome_module(obliged: Beneficiary, caseworker: User) -> None:
    parcours = parcours_open(beneficiary=obliged, by=caseworker)
    with pytest.raises(PathError, match="module d'accueil n'est pas terminé"):
        convention_sign(parcours=parcours, by=caseworker, **SIGN)


def test_convention_creates_axes_and_the_first_evaluation(
    welcomed: Parcours,
    caseworker: User,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        convention = convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    welcomed.refresh_from_db()
    assert welcomed.status == "convention_signed"
    axes = {a.kind: a for a in welcomed.axes.all()}
    assert axes["citizenship"].required_hours == 60 and axes["french"].required_hours == 400
    assert axes["orientation"].status == "not_required"
    assert welcomed.evaluations.get().due_on == date(2027, 4, 1)
    # The PDF was rendered after commit, stored, and says what was agreed.
    convention.refresh_from_db()
    assert convention.pdf and len(convention.pdf_sha256) == 64
    from pypdf import PdfReader

    with convention.pdf.open("rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    for expected in (
        "Convention du parcours d'intégration",
        welcomed.beneficiary.file_number,
        "Formation à la citoyenneté",
        "60 heures",
        "400 heures",
        "01/10/2026",
    ):
        assert expected in text, expected


def test_hours_complete_axes_then_the_path(welcomed: Parcours, caseworker: User) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **{**SIGN, "french_required": False})
    citizenship = welcomed.axes.get(kind="citizenship")
    # Lines for a period of days (an operator's declaration): 10 hours a day at most.
    hours_record(
        axis=citizenship,
        on=date(2026, 10, 5),
        first_day=date(2026, 10, 1),
        hours=Decimal("30"),
        by=caseworker,
    )
    welcomed.refresh_from_db()
    assert welcomed.status == "in_progress"
    hours_record(
        axis=citizenship,
        on=date(2026, 11, 5),
        first_day=date(2026, 11, 2),
        hours=Decimal("30"),
        by=caseworker,
    )
    welcomed.refresh_from_db()
    citizenship.refresh_from_db()
    assert citizenship.status == "completed" and citizenship.completed_on == date(2026, 11, 5)
    assert welcomed.status == "completed"
    # A correction below the target reopens both.
    hours_record(
        axis=citizenship,
        on=date(2026, 11, 6),
        hours=Decimal("-2.5"),
        by=caseworker,
        note="Double saisie",
    )
    welcomed.refresh_from_db()
    assert welcomed.status == "in_progress"
    assert citizenship.hours.last().source == "correction"


def test_ledger_is_append_only(welcomed: Parcours, caseworker: User) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    entry = hours_record(
        axis=welcomed.axes.get(kind="french"),
        on=date(2026, 10, 5),
        hours=Decimal("3"),
        by=caseworker,
    )
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        HoursEntry.objects.filter(pk=entry.pk).update(hours=Decimal("300"))
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        HoursEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.parametrize(
    ("hours", "message"),
    [(Decimal("0"), "différent de zéro"), (Decimal("-1"), "total négatif")],
)
def test_bad_hours(welcomed: Parcours, caseworker: User, hours: Decimal, message: str) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    with pytest.raises(PathError, match=message):
        hours_record(
            axis=welcomed.axes.get(kind="french"), on=date(2026, 10, 5), hours=hours, by=caseworker
        )


def test_hours_refused_before_the_convention_and_on_axes_not_required(
    welcomed: Parcours, caseworker: User
) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    with pytest.raises(PathError, match="pas requis"):
        hours_record(
            axis=welcomed.axes.get(kind="orientation"),
            on=date(2026, 10, 5),
            hours=Decimal("2"),
            by=caseworker,
        )


def test_amendment_is_a_new_version(welcomed: Parcours, caseworker: User) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    with pytest.raises(PathError, match="motif"):
        convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    convention_sign(
        parcours=welcomed,
        by=caseworker,
        **{
            **SIGN,
            "orientation_required": True,
            "amendment_reason": "Besoin d'orientation relevé à l'évaluation",
        },
    )
    assert list(Convention.objects.filter(parcours=welcomed).values_list("version", flat=True)) == [
        2,
        1,
    ]
    assert welcomed.axes.get(kind="orientation").status == "not_started"


def test_suspend_and_resume(welcomed: Parcours, caseworker: User) -> None:
    with pytest.raises(PathError, match="motif"):
        parcours_change_status(parcours=welcomed, to="suspended", by=caseworker, reason=" ")
    parcours_change_status(
        parcours=welcomed,
        to="suspended",
        by=caseworker,
        reason="Hospitalisation",
        on=date(2026, 9, 15),
    )
    welcomed.refresh_from_db()
    assert welcomed.status == "suspended" and welcomed.resume_status == "welcome"
    parcours_change_status(
        parcours=welcomed, to="resume", by=caseworker, reason="", on=date(2026, 10, 15)
    )
    welcomed.refresh_from_db()
    assert welcomed.status == "welcome"
    suspension = welcomed.suspensions.get()
    assert (suspension.start_on, suspension.end_on) == (date(2026, 9, 15), date(2026, 10, 14))


def test_forbidden_transition(welcomed: Parcours, caseworker: User) -> None:
    with pytest.raises(PathError, match="ne peut pas passer"):
        parcours_change_status(parcours=welcomed, to="completed", by=caseworker, reason="x")


def test_every_step_is_in_the_timeline(welcomed: Parcours, caseworker: User) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    messages = list(
        AuditEvent.objects.filter(beneficiary=welcomed.beneficiary).values_list(
            "summary", flat=True
        )
    )
    assert messages[0].startswith("Convention v1 signée")
    assert any(m.startswith("Parcours ouvert") for m in messages)
    assert any(m.startswith("Module d'accueil") for m in messages)
    assert all(e.actor == caseworker for e in AuditEvent.objects.all())
    assert Axis.objects.count() == 3


def test_extension_moves_the_deadline_and_evaluations_follow_each_other(
    welcomed: Parcours, caseworker: User
) -> None:
    from parcours.selectors import path_panel
    from parcours.services import evaluation_record, extension_record

    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    with pytest.raises(PathError, match="suivre la date de la décision"):
        extension_record(
            parcours=welcomed,
            deadline="attestation",
            decided_on=date(2026, 11, 5),
            new_end_on=date(2026, 11, 1),
            reason="x",
            by=caseworker,
        )
    extension_record(
        parcours=welcomed,
        deadline="attestation",
        decided_on=date(2026, 11, 5),
        new_end_on=date(2029, 12, 20),
        reason="Maladie longue",
        by=caseworker,
    )
    panel = path_panel(welcomed, today=date(2027, 1, 6))
    attestation = next(d for d in panel["deadlines"] if d.kind == "attestation")
    assert attestation.effective == date(2029, 12, 20) and attestation.extended
    first = panel["next_evaluation"]
    assert first.due_on == date(2027, 4, 1)
    evaluation_record(
        evaluation=first,
        held_on=date(2026, 11, 20),
        attended=False,
        absences="Hospitalisation",
        programme_changes="",
        notes="",
        by=caseworker,
    )
    assert welcomed.evaluations.filter(held_on__isnull=True).get().due_on == date(2027, 5, 20)
    with pytest.raises(PathError, match="déjà enregistré"):
        evaluation_record(
            evaluation=first,
            held_on=date(2026, 11, 21),
            attended=True,
            absences="",
            programme_changes="",
            notes="",
            by=caseworker,
        )


def test_personal_suspension_moves_running_deadlines(welcomed: Parcours, caseworker: User) -> None:
    from parcours.selectors import path_panel

    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    hours_record(
        axis=welcomed.axes.get(kind="citizenship"),
        on=date(2026, 10, 10),
        hours=Decimal("4"),
        by=caseworker,
    )
    parcours_change_status(
        parcours=welcomed, to="suspended", by=caseworker, reason="Maternité", on=date(2026, 11, 1)
    )
    panel = path_panel(welcomed, today=date(2026, 11, 30))
    citizenship = next(d for d in panel["deadlines"] if d.kind == "citizenship")
    # 4 months from the actual start of the training (its first hours, 10 Oct; not the
    # convention's start) = 10 Feb, pushed by the 30 days suspended so far.
    assert citizenship.base == date(2027, 2, 10)
    assert citizenship.effective == date(2027, 3, 12) and citizenship.suspended
    # The legal deadline does not move with a personal pause (only general suspensions
    # and the Minister's extensions move it), and the page says so.
    attestation = next(d for d in panel["deadlines"] if d.kind == "attestation")
    assert attestation.effective == attestation.base and not attestation.suspended


def test_amendment_recomputes_axis_status(welcomed: Parcours, caseworker: User) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **{**SIGN, "french_required": False})
    citizenship = welcomed.axes.get(kind="citizenship")
    hours_record(
        axis=citizenship,
        on=date(2026, 10, 10),
        first_day=date(2026, 10, 1),
        hours=Decimal("60"),
        by=caseworker,
    )
    welcomed.refresh_from_db()
    assert welcomed.status == "completed"
    convention_sign(
        parcours=welcomed,
        by=caseworker,
        signed_on=date(2026, 11, 1),
        start_on=date(2026, 10, 1),
        citizenship_hours=Decimal("80"),
        french_required=False,
        french_hours=Decimal("400"),
        orientation_required=False,
        orientation_hours=Decimal("4"),
        amendment_reason="Heures supplémentaires",
    )
    welcomed.refresh_from_db()
    citizenship.refresh_from_db()
    assert citizenship.status == "in_progress" and welcomed.status == "in_progress"


def test_hours_before_the_convention_start_are_refused(
    welcomed: Parcours, caseworker: User
) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    with pytest.raises(PathError, match="précèdent le début de la convention"):
        hours_record(
            axis=welcomed.axes.get(kind="french"),
            on=date(2026, 9, 30),
            hours=Decimal("2"),
            by=caseworker,
        )


def test_resume_schedules_an_evaluation_and_same_day_resume_suspends_nothing(
    welcomed: Parcours, caseworker: User
) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    welcomed.evaluations.all().delete()
    parcours_change_status(
        parcours=welcomed, to="suspended", by=caseworker, reason="x", on=date(2026, 11, 2)
    )
    parcours_change_status(
        parcours=welcomed, to="resume", by=caseworker, reason="", on=date(2026, 11, 2)
    )
    assert not welcomed.suspensions.exists()
    assert welcomed.evaluations.get().due_on == date(2027, 5, 2)


def test_french_test_not_needed_completes_the_welcome_module(
    obliged: Beneficiary, caseworker: User
) -> None:
    parcours = parcours_open(beneficiary=obliged, by=caseworker, on=date(2026, 9, 1))
    welcome_update(
        parcours=parcours,
        by=caseworker,
        data={
            "social_assessment_on": date(2026, 9, 1),
            "rights_duties_on": date(2026, 9, 8),
            "french_level": "not_needed",
        },
    )
    parcours.welcome.refresh_from_db()
    assert parcours.welcome.is_complete


def test_opening_reassesses_and_the_path_follows_later_assessments(
    obliged: Beneficiary, caseworker: User
) -> None:
    parcours = parcours_open(beneficiary=obliged, by=caseworker, on=date(2026, 9, 1))
    Beneficiary.objects.filter(pk=obliged.pk).update(permit_ordered_on=date(2024, 6, 20))
    obliged.refresh_from_db()
    obligation_assess(beneficiary=obliged, by=caseworker, trigger="Correction du titre")
    parcours.refresh_from_db()
    assert parcours.regime == "2018" and parcours.attestation_deadline == date(2025, 12, 20)


def test_documents_use_the_shipped_fonts_and_fetch_nothing_else(caplog: Any) -> None:
    import logging

    from pypdf import PdfReader

    from cainamur.pdf import _local_only_fetcher, render_pdf

    caplog.set_level(logging.WARNING, logger="weasyprint")
    reader = PdfReader(io.BytesIO(render_pdf("pdf/base.html", {})))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }
    assert fonts and all(name.startswith("DejaVu-Sans") for name in fonts), fonts
    assert not [r for r in caplog.records if "cannot be loaded" in r.getMessage()]
    fetcher = _local_only_fetcher()
    for url in ("http://example.org/logo.png", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_extension_extends_the_convention_with_a_new_version(
    welcomed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    from pypdf import PdfReader

    from parcours.services import extension_record

    with django_capture_on_commit_callbacks(execute=True):
        convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    with django_capture_on_commit_callbacks(execute=True):
        extension_record(
            parcours=welcomed,
            deadline="attestation",
            decided_on=date(2026, 11, 5),
            new_end_on=date(2029, 12, 20),
            reason="Maladie longue",
            by=caseworker,
        )
    amendment = welcomed.conventions.first()
    assert amendment.version == 2
    assert "Prorogation (attestation) jusqu'au 20/12/2029" in amendment.amendment_reason
    assert (amendment.citizenship_hours, amendment.french_hours) == (60, 400)
    with amendment.pdf.open("rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "20/12/2029" in text


def test_a_path_waits_for_the_dates_that_decide(caseworker: User) -> None:
    """Opened with a missing date, it would silently be voluntary: the caseworker is told
    what to complete, and nothing is opened unless a voluntary path is chosen knowingly."""
    from parcours.services import parcours_open

    beneficiary = BeneficiaryFactory(permit_ordered_on=None, permit_over_3_months=True)
    with pytest.raises(PathError, match="premier titre de séjour"):
        parcours_open(beneficiary=beneficiary, by=caseworker)
    assert not Parcours.objects.filter(beneficiary=beneficiary).exists()
    parcours = parcours_open(beneficiary=beneficiary, by=caseworker, voluntary=True)
    assert parcours.kind == "voluntary"
