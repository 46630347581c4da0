"""A broker that is down when work is queued after commit never turns the committed action
into an error page: the caseworker sees the attestation « en préparation », the failure is
counted on /health/, and once the broker is back the watch renders the PDF and the copies
leave. Real parts: the view through the test client, PostgreSQL, a Redis server of the
test's own (started only when the broker comes back), a Celery worker, an SMTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pgtrigger
import pytest
from django.urls import reverse
from django.utils import timezone

from attestations.models import Attestation
from attestations.tasks import attestations_watch
from cainamur.models import User
from cainamur.roles import Role
from outbox.models import Dispatch
from parcours.models import Parcours
from tests.broker import RedisServer, broker_at, redis_server
from tests.conftest import make_staff
from tests.factories import complete_path, give_addresses, obliged_file
from tests.smtp import Inbox, free_port, smtp_server
from tests.workers import running_worker, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not RedisServer.available(), reason="redis-server is not installed"),
]


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        yield inbox


@pytest.fixture
def completed_path(reference_data: None) -> tuple[Parcours, User]:
    staff = make_staff("referente.panne", [Role.CASEWORKER], ["namur"])
    beneficiary = obliged_file(
        staff,
        last_name="Haddad",
        first_names="Yasmine",
        commune=give_addresses(),
        cpas_support=True,
    )
    return complete_path(beneficiary, staff), staff  # type: ignore[return-value]


def test_issuing_while_the_broker_is_down_shows_the_normal_page_then_the_watch_catches_up(
    completed_path: tuple[Parcours, User], login_client: Any, inbox: Inbox
) -> None:
    parcours, staff = completed_path
    client = login_client(staff)
    port = free_port()  # nothing listens there yet: the broker is down
    with broker_at(f"redis://127.0.0.1:{port}/0"):
        started = time.monotonic()
        response = client.post(
            reverse("attestations:issue", args=[parcours.beneficiary_id]), follow=True
        )
        took = time.monotonic() - started
        page = response.content.decode()
        assert response.status_code == 200
        assert "délivrée. Le PDF et les copies sont en préparation." in page
        assert 'data-testid="attestation-pdf-pending"' in page  # « PDF en préparation… »
        assert took < 5  # two quick retries, not a hanging page
        attestation = Attestation.objects.get(parcours=parcours)
        assert attestation.pdf_status == "pending"
        assert set(attestation.dispatches.values_list("status", flat=True)) == {"queued"}
        assert client.get("/health/").json()["enqueue_failures"] == 1

        # Minutes later, the broker is back (on the same address) with a worker.
        with pgtrigger.ignore("attestations.Attestation:attestation_content_frozen"):
            Attestation.objects.filter(pk=attestation.pk).update(
                issued_at=timezone.now() - timedelta(minutes=3)
            )
        with redis_server(port), running_worker():
            assert attestations_watch()["pdfs_requeued"] == 1  # what beat runs every minute
            assert wait_for(
                lambda: set(attestation.dispatches.values_list("status", flat=True)) == {"sent"}
            )
    attestation.refresh_from_db()
    assert attestation.pdf_status == "ready"
    assert sorted(r.recipients[0] for r in inbox.received) == [
        "population@ville.namur.test",
        "social@cpas.namur.test",
    ]
    assert Dispatch.objects.filter(attestation=attestation, status="sent").count() == 2
