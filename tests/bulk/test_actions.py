"""Each action, file by file: what it does, what it refuses and why, once only, audited."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from appointments.models import Appointment, Seat
from beneficiaries.models import Beneficiary
from bulk import services
from bulk.models import BulkAction, BulkItem
from cainamur.models import AuditEvent, User
from cainamur.roles import Role
from offices.models import Office
from outbox.models import Dispatch
from parcours.services import welcome_update
from tests.conftest import make_staff
from tests.factories import BeneficiaryFactory, obliged_file, signed_path

pytestmark = pytest.mark.django_db


def outcomes(action: BulkAction) -> dict[int, tuple[str, str]]:
    return {item.beneficiary_id: (item.outcome, item.detail) for item in action.items.all()}


def letters_text(action: BulkAction) -> list[str]:
    with action.letters.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [page.extract_text() for page in reader.pages]


def test_invitation_letters_and_emails_and_refusals(
    coordinator: User,
    caseworker: User,
    welcome_file: Callable[..., Beneficiary],
    run: Callable[..., BulkAction],
) -> None:
    both = welcome_file(last_name="Haddad", first_names="Amina", email="amina@example.test")
    letter_only = welcome_file(last_name="Kovalenko", first_names="Olena")
    email_only = welcome_file(
        last_name="Diallo", first_names="Moussa", street="", email="moussa@example.test"
    )
    nowhere = welcome_file(last_name="Sow", first_names="Awa", street="")
    no_path = BeneficiaryFactory(last_name="Nopath", street="Rue 1")
    past_welcome = obliged_file(caseworker, last_name="Signed", street="Rue 2")
    signed_path(past_welcome, caseworker)
    done_welcome = welcome_file(last_name="Done")
    path = done_welcome.paths.get()
    today = timezone.localdate()
    welcome_update(
        parcours=path,
        by=caseworker,
        data={
            "social_assessment_on": today - timedelta(days=3),
            "rights_duties_on": today - timedelta(days=2),
            "french_test_on": today - timedelta(days=1),
            "french_level": "a1",
        },
    )
    files = [both, letter_only, email_only, nowhere, no_path, past_welcome, done_welcome]
    action = run(
        kind=BulkAction.Kind.INVITE,
        files=[f.pk for f in files],
        by=coordinator,
        channel=BulkAction.Channel.BOTH,
    )
    assert action.status == BulkAction.Status.DONE and action.progress == 100
    result = outcomes(action)
    assert result[both.pk] == ("done", "Invité·e : lettre et e-mail.")
    assert result[letter_only.pk] == ("done", "Invité·e : lettre (pas d'adresse e-mail).")
    assert result[email_only.pk] == ("done", "Invité·e : e-mail (pas d'adresse postale).")
    assert result[nowhere.pk] == ("refused", "Ni adresse postale ni adresse e-mail.")
    assert result[no_path.pk] == ("refused", "Pas de parcours ouvert.")
    assert result[past_welcome.pk][0] == "refused"
    assert "a dépassé le module d'accueil" in result[past_welcome.pk][1]
    assert result[done_welcome.pk] == ("refused", "Module d'accueil déjà terminé.")

    # One merged PDF: one page per letter, in the order of the selection, each with its name.
    pages = letters_text(action)
    assert action.letters_count == 2 and len(pages) == 2
    assert "HADDAD Amina" in pages[0] and "KOVALENKO Olena" in pages[1]
    assert "Invitation au module d'accueil" in pages[0]
    assert "Prenez rendez-vous au" in pages[0] and "À apporter" in pages[0]
    assert "Rue de Fer 12" in pages[1]

    # E-mails through the outbox: a row each, sent (the task runs in-process here).
    rows = Dispatch.objects.filter(purpose=Dispatch.Purpose.WELCOME_INVITATION)
    assert sorted(d.bulk_item.beneficiary_id for d in rows) == sorted([both.pk, email_only.pk])
    assert {d.status for d in rows} == {Dispatch.Status.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == ["amina@example.test", "moussa@example.test"]
    message = next(m for m in mail.outbox if m.to == ["amina@example.test"])
    assert message.subject == "Invitation au module d'accueil du CAI"
    assert "Bonjour Amina," in message.body and "Prenez rendez-vous" in message.body

    # Audited: the request, each person invited, the end.
    trail = AuditEvent.objects.filter(action__startswith="bulk.")
    assert trail.filter(action="bulk.bulk_request").count() == 1
    assert sorted(
        trail.filter(action="bulk.welcome_invite").values_list("beneficiary", flat=True)
    ) == sorted([both.pk, letter_only.pk, email_only.pk])
    end = trail.get(action="bulk.bulk_done")
    assert "3 faits, 4 refusés" in end.summary


def test_the_letter_names_the_session_chosen(
    coordinator: User,
    welcome_file: Callable[..., Beneficiary],
    group_session: Callable[..., Appointment],
    run: Callable[..., BulkAction],
) -> None:
    session = group_session()
    person = welcome_file(last_name="Haddad", first_names="Amina")
    action = run(
        kind=BulkAction.Kind.INVITE,
        files=[person.pk],
        by=coordinator,
        channel=BulkAction.Channel.LETTER,
        session=session,
    )
    (page,) = letters_text(action)
    assert "Séance droits et devoirs" in " ".join(page.split())
    assert "Prenez rendez-vous" not in page
    assert "de quoi écrire" in page  # what to bring, from the session's type


def test_channel_refusals(
    coordinator: User, welcome_file: Callable[..., Beneficiary], run: Callable[..., BulkAction]
) -> None:
    no_street = welcome_file(street="", email="a@example.test")
    no_email = welcome_file()
    letters = run(
        kind=BulkAction.Kind.INVITE,
        files=[no_street.pk],
        by=coordinator,
        channel=BulkAction.Channel.LETTER,
    )
    assert outcomes(letters)[no_street.pk] == ("refused", "Pas d'adresse postale pour la lettre.")
    assert not letters.letters  # nobody to print for
    emails = run(kind=BulkAction.Kind.INVITE, files=[no_email.pk], by=coordinator, channel="email")
    assert outcomes(emails)[no_email.pk] == ("refused", "Pas d'adresse e-mail.")
    assert not Dispatch.objects.exists()


def test_running_twice_invites_nobody_twice(
    coordinator: User,
    welcome_file: Callable[..., Beneficiary],
    run: Callable[..., BulkAction],
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = welcome_file(email="amina@example.test")
    action = run(kind="invite", files=[person.pk], by=coordinator, channel="both")
    assert services.bulk_run(action.pk) is False  # already run: left alone
    # Even a task delivered again after a crash (the action back to « queued »): every
    # file already handled is skipped.
    BulkAction.objects.filter(pk=action.pk).update(status=BulkAction.Status.QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.bulk_run(action.pk) is True
    assert Dispatch.objects.count() == 1 and len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="bulk.welcome_invite").count() == 1
    action.refresh_from_db()
    assert len(letters_text(action)) == 1


def test_assign_within_the_caseworkers_offices(
    coordinator: User,
    caseworker: User,
    namur: Office,
    dinant: Office,
    run: Callable[..., BulkAction],
) -> None:
    claire = caseworker
    other = make_staff("referent.namur2", [Role.CASEWORKER], ["namur"], first_name="Paul")
    in_namur = BeneficiaryFactory(office=namur, caseworker=other)
    in_dinant = BeneficiaryFactory(office=dinant)
    already = BeneficiaryFactory(office=namur, caseworker=claire)
    action = run(
        kind="assign",
        files=[in_namur.pk, in_dinant.pk, already.pk],
        by=coordinator,
        caseworker=claire,
    )
    result = outcomes(action)
    name = claire.get_full_name()
    assert result[in_namur.pk] == ("done", f"Attribué à {name}.")
    assert result[in_dinant.pk] == (
        "refused",
        f"{name} ne travaille pas au bureau de ce dossier (Dinant).",
    )
    assert result[already.pk] == ("refused", f"Déjà suivi par {name}.")
    assert Beneficiary.objects.get(pk=in_namur.pk).caseworker == claire
    assert Beneficiary.objects.get(pk=in_dinant.pk).caseworker is None
    assigned = AuditEvent.objects.get(action="beneficiaries.beneficiary_assign")
    assert assigned.beneficiary_id == in_namur.pk and "action groupée" in assigned.summary


def test_a_file_moved_out_of_the_askers_offices_is_left_alone(
    caseworker: User, namur: Office, dinant: Office, run: Callable[..., BulkAction]
) -> None:
    person = BeneficiaryFactory(office=namur)
    action = BulkAction.objects.create(
        kind="assign", caseworker=caseworker, created_by=caseworker, total=1
    )
    BulkItem.objects.create(action=action, beneficiary=person, position=1)
    Beneficiary.objects.filter(pk=person.pk).update(office=dinant)
    services.bulk_run(action.pk)
    assert outcomes(action)[person.pk] == ("refused", "Ce dossier n'est plus dans vos bureaux.")


def test_seats_in_a_group_session(
    coordinator: User,
    group_session: Callable[..., Appointment],
    run: Callable[..., BulkAction],
) -> None:
    session = group_session(capacity=2)
    people = BeneficiaryFactory.create_batch(3)
    first = run(kind="seat", files=[people[0].pk], by=coordinator, session=session)
    assert outcomes(first)[people[0].pk] == ("done", "Inscrit·e à la séance.")
    again = run(kind="seat", files=[p.pk for p in people], by=coordinator, session=session)
    result = outcomes(again)
    assert result[people[0].pk] == ("refused", "Cette personne est déjà inscrite à cette séance.")
    assert result[people[1].pk] == ("done", "Inscrit·e à la séance.")
    assert result[people[2].pk] == ("refused", "Cette séance est complète.")
    assert Seat.objects.filter(session=session).count() == 2
    assert AuditEvent.objects.filter(action="appointments.seat_book").count() == 2
    assert services.bulk_run(again.pk) is False
    assert Seat.objects.filter(session=session).count() == 2


def test_old_merged_letters_are_deleted_and_built_again_on_demand(
    coordinator: User,
    welcome_file: Callable[..., Beneficiary],
    run: Callable[..., BulkAction],
) -> None:
    person = welcome_file(last_name="Haddad", first_names="Amina")
    action = run(
        kind=BulkAction.Kind.INVITE,
        files=[person.pk],
        by=coordinator,
        channel=BulkAction.Channel.LETTER,
    )
    name = action.letters.name
    storage = action.letters.storage
    assert name and storage.exists(name)
    assert services.letters_expire(timezone.now() + timedelta(days=6)) == 0
    assert services.letters_expire(timezone.now() + timedelta(days=8)) == 1
    action.refresh_from_db()
    assert not action.letters and not storage.exists(name)
    # Someone still needs them: built again from the files done.
    assert services.letters_build(action) == 1
    action.refresh_from_db()
    assert action.letters and "HADDAD" in " ".join(letters_text(action)).upper()
