"""Attestation copies through the real parts: a Celery worker (Redis broker in CI, the
in-memory broker otherwise), PostgreSQL, and an SMTP server on localhost (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from attestations.models import Attestation
from attestations.services import attestation_issue
from cainamur.models import User
from cainamur.roles import Role
from outbox.models import Dispatch
from outbox.services import dispatch_resend
from outbox.tasks import send_dispatch
from tests.conftest import make_staff
from tests.factories import complete_path, give_addresses, obliged_file
from tests.smtp import Inbox, smtp_server
from tests.workers import running_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        settings.CAI_RETRY_BASE_SECONDS = 0.05
        settings.OUTBOX_MAX_ATTEMPTS = 3
        yield inbox


@pytest.fixture
def completed_path(reference_data: None) -> tuple[Any, User]:
    staff = make_staff("referente.worker", [Role.CASEWORKER], ["namur"])
    beneficiary = obliged_file(
        staff,
        last_name="Haddad",
        first_names="Yasmine",
        commune=give_addresses(),
        cpas_support=True,
    )
    return complete_path(beneficiary, staff), staff


def statuses(attestation: Attestation) -> dict[str, str]:
    return dict(attestation.dispatches.values_list("recipient_kind", "status"))


def test_each_copy_arrives_once_with_the_pdf(
    inbox: Inbox, completed_path: tuple[Any, User]
) -> None:
    parcours, staff = completed_path
    with running_worker(concurrency=2):
        attestation = attestation_issue(parcours=parcours, by=staff)  # commits: autocommit
        assert wait_for(lambda: set(statuses(attestation).values()) == {"sent"}), statuses(
            attestation
        )
        # The same task delivered again (twice, at once) mails nothing more.
        for dispatch in attestation.dispatches.all():
            send_dispatch.delay(dispatch.pk)
            send_dispatch.delay(dispatch.pk)
        assert not wait_for(lambda: inbox.count() > 2, timeout=3)
    assert sorted(r.recipients[0] for r in inbox.received) == [
        "population@ville.namur.test",
        "social@cpas.namur.test",
    ]
    attestation.refresh_from_db()
    for received in inbox.received:
        assert attestation.number in received.message["Subject"]
        ((name, mimetype, content),) = received.attachments()
        assert name == f"{attestation.number}.pdf" and mimetype == "application/pdf"
        assert content.startswith(b"%PDF") and len(content) > 5000
    message_ids = set(attestation.dispatches.values_list("message_id", flat=True))
    assert {r.message["Message-ID"] for r in inbox.received} == message_ids


def test_a_race_between_two_deliveries_of_one_task_sends_one_mail(
    inbox: Inbox, completed_path: tuple[Any, User]
) -> None:
    parcours, staff = completed_path
    inbox.failing = False
    with transaction.atomic():
        attestation = attestation_issue(parcours=parcours, by=staff)
    with running_worker(concurrency=2):
        assert wait_for(lambda: set(statuses(attestation).values()) == {"sent"})
        commune_copy = attestation.dispatches.get(recipient_kind="commune")
        # Put it back as if never sent, then deliver its task twice at the same moment.
        Dispatch.objects.filter(pk=commune_copy.pk).update(status="queued")
        before = inbox.count()
        send_dispatch.delay(commune_copy.pk)
        send_dispatch.delay(commune_copy.pk)
        assert wait_for(lambda: inbox.count() == before + 1)
        assert not wait_for(lambda: inbox.count() > before + 1, timeout=3)


def test_smtp_failure_ends_failed_after_the_retries_then_a_resend_succeeds(
    inbox: Inbox, completed_path: tuple[Any, User]
) -> None:
    parcours, staff = completed_path
    inbox.failing = True
    with running_worker():
        attestation = attestation_issue(parcours=parcours, by=staff)
        assert wait_for(lambda: set(statuses(attestation).values()) == {"failed"}, timeout=30)
        failed = list(attestation.dispatches.all())
        assert all(d.attempts == 3 and "451" in d.last_error for d in failed)
        assert inbox.count() == 0
        inbox.failing = False
        for dispatch in failed:
            dispatch_resend(dispatch=dispatch, by=staff)
        assert wait_for(lambda: set(statuses(attestation).values()) == {"sent"})
    assert inbox.count() == 2
    assert all(d.attempts == 4 for d in attestation.dispatches.all())


def test_a_permanent_refusal_fails_at_once(inbox: Inbox, completed_path: tuple[Any, User]) -> None:
    parcours, staff = completed_path
    inbox.failing = True
    inbox.failure = "550 5.1.1 Adresse inconnue"
    with running_worker():
        attestation = attestation_issue(parcours=parcours, by=staff)
        assert wait_for(lambda: set(statuses(attestation).values()) == {"failed"}, timeout=30)
    assert all(d.attempts == 1 and "550" in d.last_error for d in attestation.dispatches.all())
    assert inbox.count() == 0
