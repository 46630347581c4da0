"""What the security review of the bulk actions found: an action asked for twice, people
invited twice, letters lost after a failure, actions stuck for ever, a forged selection
too large, and the actions' list without pages (tests/bulk/test_views.py)."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from bulk import services
from bulk.forms import BulkForm
from bulk.models import BulkAction, BulkItem
from bulk.tasks import bulk_watch
from cainamur.models import AuditEvent, User
from offices.models import Office
from outbox.models import Dispatch
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

NEW = reverse("bulk:new")


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def confirm_token(page: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f-]{36})"', page)
    assert found is not None, "the confirmation carries a one-time token"
    return found[1]


# ---------------------------------------------------------------- 1. invited once


def test_confirming_twice_asks_for_one_action_and_invites_once(
    login_client: Any,
    coordinator: User,
    caseworker: User,
    welcome_file: Callable[..., Beneficiary],
    django_capture_on_commit_callbacks: Any,
) -> None:
    amina = welcome_file(last_name="Haddad", first_names="Amina", email="amina@example.test")
    client = login_client(coordinator)
    data = {"kind": "invite", "selection": str(amina.pk), "channel": "both"}
    page = client.post(NEW, {**data, "etape": "confirmer"}).content.decode()
    token = confirm_token(page)
    assert "data-bulk-once" in page and "js/bulk.js" in page  # the button disabled on click
    launched = []
    for _click in range(2):  # a double click, or the browser sending the form again
        with django_capture_on_commit_callbacks(execute=True):
            launched.append(client.post(NEW, {**data, "token": token, "etape": "lancer"}))
    action = BulkAction.objects.get()
    assert [r.status_code for r in launched] == [302, 302]
    assert {r.url for r in launched} == {reverse("bulk:detail", args=[action.pk])}
    assert action.token == uuid.UUID(token)
    assert [m.to for m in mail.outbox] == [["amina@example.test"]]
    assert AuditEvent.objects.filter(action="bulk.bulk_request").count() == 1
    said = client.get(launched[1].url).content.decode()
    assert "Cette action groupée était déjà lancée" in said

    # A confirmation without its token (an old page) asks for nothing: confirm again.
    again = client.post(NEW, {**data, "etape": "lancer"})
    assert again.status_code == 200 and BulkAction.objects.count() == 1
    assert confirm_token(again.content.decode()) != token
    # Someone else sending that token reaches nothing.
    other = login_client(caseworker).post(NEW, {**data, "token": token, "etape": "lancer"})
    assert other.status_code == 403 and BulkAction.objects.count() == 1


def test_a_token_names_one_action_only(coordinator: User, caseworker: User) -> None:
    token = uuid.uuid4()
    BulkAction.objects.create(
        kind="assign", caseworker=caseworker, created_by=coordinator, token=token
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BulkAction.objects.create(
            kind="assign", caseworker=caseworker, created_by=coordinator, token=token
        )


def test_someone_invited_lately_is_not_invited_again_unless_asked(
    coordinator: User,
    welcome_file: Callable[..., Beneficiary],
    run: Callable[..., BulkAction],
) -> None:
    amina = welcome_file(last_name="Haddad", first_names="Amina", email="amina@example.test")
    olena = welcome_file(last_name="Kovalenko", first_names="Olena")  # a letter only
    first = run(kind="invite", files=[amina.pk, olena.pk], by=coordinator, channel="both")
    assert first.status == BulkAction.Status.DONE
    assert len(mail.outbox) == 1

    # A second action on the same people (a click on « Relancer », another colleague):
    # each is left alone, with the date of the first invitation.
    second = run(kind="invite", files=[amina.pk, olena.pk], by=coordinator, channel="both")
    today = f"{timezone.localdate():%d/%m/%Y}"
    for item in second.items.all():
        assert item.outcome == BulkItem.Outcome.REFUSED
        assert item.detail.startswith(f"Déjà invité·e le {today}")
        assert "inviter à nouveau" in item.detail
    assert len(mail.outbox) == 1 and not second.letters

    # « Inviter à nouveau »: they are.
    third = run(
        kind="invite", files=[amina.pk, olena.pk], by=coordinator, channel="both", reinvite=True
    )
    assert {i.outcome for i in third.items.all()} == {BulkItem.Outcome.DONE}
    assert len(mail.outbox) == 2 and third.letters_count == 2
    assert third.parameters["reinvite"] is True

    # Past the delay, an invitation is a new one.
    long_ago = timezone.now() - timedelta(days=services.REINVITE_DAYS + 1)
    BulkItem.objects.filter(action__in=[first, third]).update(processed_at=long_ago)
    fourth = run(kind="invite", files=[amina.pk], by=coordinator, channel="email")
    assert fourth.items.get().outcome == BulkItem.Outcome.DONE


def test_an_e_mail_that_failed_is_no_invitation(
    coordinator: User, welcome_file: Callable[..., Beneficiary], run: Callable[..., BulkAction]
) -> None:
    amina = welcome_file(street="", email="amina@example.test")
    first = run(kind="invite", files=[amina.pk], by=coordinator, channel="email")
    Dispatch.objects.filter(bulk_item__action=first).update(status=Dispatch.Status.FAILED)
    second = run(kind="invite", files=[amina.pk], by=coordinator, channel="email")
    assert second.items.get().outcome == BulkItem.Outcome.DONE


def test_the_reinvite_box_goes_from_the_choices_to_the_action(
    login_client: Any,
    coordinator: User,
    welcome_file: Callable[..., Beneficiary],
    django_capture_on_commit_callbacks: Any,
) -> None:
    amina = welcome_file()
    client = login_client(coordinator)
    choose = client.post(NEW, {"kind": "invite", "dossiers": [amina.pk]}).content.decode()
    assert "Inviter à nouveau" in choose and "ces 14 derniers jours" in choose
    data = {"kind": "invite", "selection": str(amina.pk), "channel": "letter", "reinvite": "on"}
    page = client.post(NEW, {**data, "etape": "confirmer"}).content.decode()
    assert "invitées à nouveau" in page and 'name="reinvite" value="on"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, {**data, "token": confirm_token(page), "etape": "lancer"})
    assert BulkAction.objects.get().parameters["reinvite"] is True
    # The box is offered for invitations only.
    assign = client.post(NEW, {"kind": "assign", "dossiers": [amina.pk]}).content.decode()
    assert "Inviter à nouveau" not in assign


def test_a_failed_run_resumes_where_it_stopped_and_its_letters_are_kept(
    login_client: Any,
    coordinator: User,
    welcome_file: Callable[..., Beneficiary],
    run: Callable[..., BulkAction],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    people = [
        welcome_file(last_name="Haddad", first_names="Amina", email="amina@example.test"),
        welcome_file(last_name="Kovalenko", first_names="Olena"),
        welcome_file(last_name="Diallo", first_names="Moussa", email="moussa@example.test"),
    ]
    invite = services.HANDLERS[BulkAction.Kind.INVITE]

    def breaks_on_the_third(action: BulkAction, item: BulkItem) -> services.Outcome:
        if item.position == 3:
            raise ConnectionError("the database went away")  # not a refusal: a failure
        return invite(action, item)

    monkeypatch.setitem(services.HANDLERS, BulkAction.Kind.INVITE, breaks_on_the_third)
    action = run(kind="invite", files=[p.pk for p in people], by=coordinator, channel="both")
    assert action.status == BulkAction.Status.FAILED
    assert [i.outcome for i in action.items.order_by("position")] == ["done", "done", "pending"]
    # The two letters already « Invité·e : lettre » are in a PDF, built despite the failure.
    assert action.letters_count == 2
    client = login_client(coordinator)
    detail = reverse("bulk:detail", args=[action.pk])
    page = client.get(detail).content.decode()
    assert "hx-trigger" not in page  # no more asking for the progress
    assert "Reprenez-la" in page and reverse("bulk:resume", args=[action.pk]) in page
    assert "Relancez-la depuis la liste" not in page
    assert "Télécharger les 2 lettres à imprimer" in page
    # Lost (or never built): the download builds it from the files done.
    action.letters.delete(save=True)
    BulkAction.objects.filter(pk=action.pk).update(letters_count=0)
    pdf = client.get(reverse("bulk:letters", args=[action.pk]))
    assert pdf.status_code == 200
    pages = pdf_pages(b"".join(pdf.streaming_content))
    assert len(pages) == 2 and "HADDAD Amina" in pages[0] and "KOVALENKO Olena" in pages[1]

    # « Reprendre »: the third is invited, the first two not again.
    monkeypatch.setitem(services.HANDLERS, BulkAction.Kind.INVITE, invite)
    with django_capture_on_commit_callbacks(execute=True):
        resumed = client.post(reverse("bulk:resume", args=[action.pk]))
    assert resumed.status_code == 302 and resumed.url == detail
    action.refresh_from_db()
    assert action.status == BulkAction.Status.DONE and action.progress == 100
    assert sorted(m.to[0] for m in mail.outbox) == ["amina@example.test", "moussa@example.test"]
    assert AuditEvent.objects.filter(action="bulk.welcome_invite").count() == 3
    assert AuditEvent.objects.filter(action="bulk.bulk_resume").count() == 1
    pdf = client.get(reverse("bulk:letters", args=[action.pk]))
    pages = pdf_pages(b"".join(pdf.streaming_content))
    assert len(pages) == 3 and "DIALLO Moussa" in pages[2]
    # Only a failed action is resumed.
    again = client.post(reverse("bulk:resume", args=[action.pk]), follow=True)
    assert "rien à reprendre" in again.content.decode()


def test_only_who_sees_the_action_resumes_it(
    login_client: Any, caseworker: User, outsider: User, namur: Office
) -> None:
    person = BeneficiaryFactory(office=namur)
    action = BulkAction.objects.create(
        kind="assign", caseworker=caseworker, created_by=caseworker, total=1, status="failed"
    )
    BulkItem.objects.create(action=action, beneficiary=person, position=1)
    url = reverse("bulk:resume", args=[action.pk])
    assert login_client(outsider).post(url).status_code == 404
    assert login_client(caseworker).get(url).status_code == 405
    action.refresh_from_db()
    assert action.status == BulkAction.Status.FAILED


# ---------------------------------------------------------------- 2. never stuck


def idle(action: BulkAction, *, status: str, minutes: float, runs: int = 1) -> None:
    BulkAction.objects.filter(pk=action.pk).update(
        status=status, heartbeat_at=timezone.now() - timedelta(minutes=minutes), runs=runs
    )


def test_an_action_whose_task_was_lost_is_queued_again(
    coordinator: User,
    caseworker: User,
    namur: Office,
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = BeneficiaryFactory(office=namur)
    # The broker was down: the task never left (its callback is not run here).
    with django_capture_on_commit_callbacks(execute=False):
        action, _created = services.bulk_request(
            kind="assign", files=[person.pk], by=coordinator, caseworker=caseworker
        )
    assert services.bulk_watch() == {"requeued": 0, "resumed": 0, "failed": 0}  # too soon
    idle(action, status="queued", minutes=4, runs=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_watch() == {"requeued": 1, "resumed": 0, "failed": 0}
    action.refresh_from_db()
    assert action.status == BulkAction.Status.DONE
    assert Beneficiary.objects.get(pk=person.pk).caseworker == caseworker


def test_an_action_whose_worker_died_is_resumed_then_given_up(
    login_client: Any,
    coordinator: User,
    caseworker: User,
    namur: Office,
    django_capture_on_commit_callbacks: Any,
) -> None:
    people = BeneficiaryFactory.create_batch(2, office=namur)
    with django_capture_on_commit_callbacks(execute=False):
        action, _created = services.bulk_request(
            kind="assign", files=[p.pk for p in people], by=coordinator, caseworker=caseworker
        )
    # The worker died after the first file: « en cours », no sign of life since.
    first = action.items.get(position=1)
    BulkItem.objects.filter(pk=first.pk).update(outcome="done", detail="Attribué.")
    idle(action, status="running", minutes=5)
    # Its task delivered again (acks late) while it might still run: left alone.
    assert services.bulk_run(action.pk) is False
    client = login_client(coordinator)
    state = client.get(reverse("bulk:state", args=[action.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in state and "bulk-stalled" not in state

    idle(action, status="running", minutes=12)
    state = client.get(reverse("bulk:state", args=[action.pk])).content.decode()
    assert "sera reprise automatiquement" in state
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_watch() == {"requeued": 0, "resumed": 1, "failed": 0}
    action.refresh_from_db()
    assert action.status == BulkAction.Status.DONE and action.runs == 2
    # The first file was not done a second time; the second was.
    assert Beneficiary.objects.get(pk=people[0].pk).caseworker is None
    assert Beneficiary.objects.get(pk=people[1].pk).caseworker == caseworker

    # Stopped again and again: marked failed, with what to do.
    BulkAction.objects.filter(pk=action.pk).update(finished_at=None)
    idle(action, status="running", minutes=12, runs=services.MAX_RUNS)
    assert bulk_watch() == {"requeued": 0, "resumed": 0, "failed": 1}
    action.refresh_from_db()
    assert action.status == BulkAction.Status.FAILED and action.finished_at is not None
    assert "sans aboutir" in action.error
    page = client.get(reverse("bulk:detail", args=[action.pk])).content.decode()
    assert "hx-trigger" not in page and ">Reprendre</button>" in page


def test_a_task_delivered_again_takes_over_a_dead_run(
    coordinator: User, caseworker: User, namur: Office, django_capture_on_commit_callbacks: Any
) -> None:
    person = BeneficiaryFactory(office=namur)
    with django_capture_on_commit_callbacks(execute=False):
        action, _created = services.bulk_request(
            kind="assign", files=[person.pk], by=coordinator, caseworker=caseworker
        )
    idle(action, status="running", minutes=12)
    assert services.bulk_run(action.pk) is True
    action.refresh_from_db()
    assert action.status == BulkAction.Status.DONE


def test_a_waiting_action_says_what_happens(
    login_client: Any, caseworker: User, namur: Office
) -> None:
    person = BeneficiaryFactory(office=namur)
    action = BulkAction.objects.create(
        kind="assign", caseworker=caseworker, created_by=caseworker, total=1
    )
    BulkItem.objects.create(action=action, beneficiary=person, position=1)
    idle(action, status="queued", minutes=10, runs=0)
    state = login_client(caseworker).get(reverse("bulk:state", args=[action.pk]))
    page = state.content.decode()
    assert "Aucun travailleur n'a encore pris cette action" in page
    assert 'hx-trigger="every 10s"' in page


def test_the_watch_is_a_task_of_the_project() -> None:
    from cainamur.celery import app

    app.loader.import_default_modules()
    assert "bulk.tasks.bulk_watch" in app.tasks
    assert app.tasks["bulk.tasks.run_bulk_action"].time_limit < (
        services.RUNNING_STALE.total_seconds()
    )


# ---------------------------------------------------------------- 3. a forged selection


def test_a_selection_larger_than_an_action_is_refused_before_any_query(
    login_client: Any, coordinator: User, caseworker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login_client(coordinator)
    forged = ",".join(str(n) for n in range(1, services.MAX_FILES + 2))
    for step in ("confirmer", "lancer", "choisir"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                NEW,
                {
                    "kind": "assign",
                    "etape": step,
                    "selection": forged,
                    "caseworker": caseworker.pk,
                    "token": str(uuid.uuid4()),
                },
            )
        assert response.status_code == 400, step
        assert "porte sur 2\u202f000 dossiers au plus" in response.content.decode()
        assert not any("beneficiaries_beneficiary" in q["sql"] for q in queries), step
    assert not BulkAction.objects.exists()
    # From the file list, more boxes ticked than an action takes: the same.
    monkeypatch.setattr(services, "MAX_FILES", 2)
    with CaptureQueriesContext(connection) as queries:
        ticked = client.post(NEW, {"kind": "assign", "dossiers": ["1", "2", "3"]})
    assert ticked.status_code == 400 and "porte sur 2 dossiers au plus" in ticked.content.decode()
    assert not any("beneficiaries_beneficiary" in q["sql"] for q in queries)


def test_the_form_caps_the_selection(caseworker: User) -> None:
    data = {"kind": "assign", "selection": ",".join(map(str, range(1, services.MAX_FILES + 2)))}
    form = BulkForm(data, user=caseworker, kind="assign", office_ids=set())
    assert not form.is_valid()
    assert form.errors["selection"] == [
        "Une action groupée porte sur 2\u202f000 dossiers au plus : réduisez la sélection."
    ]
    exactly = {"kind": "assign", "selection": ",".join(map(str, range(1, services.MAX_FILES + 1)))}
    form = BulkForm(exactly, user=caseworker, kind="assign", office_ids=set())
    form.is_valid()
    assert "selection" not in form.errors
