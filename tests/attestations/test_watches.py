"""The periodic task: rows a dead worker left behind go back to the queue; failures are
reported to the coordinators once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pgtrigger
from django.core import mail
from django.utils import timezone

from attestations.models import Attestation
from attestations.services import attestation_issue
from attestations.tasks import attestations_watch
from cainamur.models import User
from outbox.models import Dispatch
from outbox.tasks import outbox_watch
from parcours.models import Parcours


def issue(parcours: Parcours, by: User, capture: Any) -> Attestation:
    with capture(execute=True):
        attestation = attestation_issue(parcours=parcours, by=by)
    return attestation


def test_stuck_and_lost_copies_are_sent_again(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    commune_copy = attestation.dispatches.get(recipient_kind="commune")
    cpas_copy = attestation.dispatches.get(recipient_kind="cpas")
    long_ago = timezone.now() - timedelta(hours=1)
    # A worker died while sending the first; the second's retry message was lost.
    Dispatch.objects.filter(pk=commune_copy.pk).update(status="sending", sending_since=long_ago)
    Dispatch.objects.filter(pk=cpas_copy.pk).update(status="queued", next_attempt_at=long_ago)
    # A copy being sent right now is left alone.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = outbox_watch()
    assert result["requeued"] == 2
    assert set(attestation.dispatches.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2


def test_a_copy_sending_now_is_not_touched(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    copy = attestation.dispatches.get(recipient_kind="commune")
    Dispatch.objects.filter(pk=copy.pk).update(status="sending", sending_since=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_watch()["requeued"] == 0
    copy.refresh_from_db()
    assert copy.status == "sending"


def test_failures_are_reported_to_coordinators_once(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    Dispatch.objects.filter(attestation=attestation).update(status="failed", last_error="x")
    mail.outbox.clear()
    assert attestations_watch()["reported"] == 2
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    assert report.to == [coordinator.email] and "/attestations/envois/" in report.body
    assert "Benali" not in report.body and "BENALI" not in report.body  # no names by mail
    assert attestations_watch()["reported"] == 0 and len(mail.outbox) == 1


def test_a_pdf_whose_task_was_lost_is_rendered_again(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    attestation = attestation_issue(parcours=completed, by=caseworker)  # task never ran
    # Backdate it (the frozen-content trigger is lifted for this test only).
    with pgtrigger.ignore("attestations.Attestation:attestation_content_frozen"):
        Attestation.objects.filter(pk=attestation.pk).update(
            issued_at=timezone.now() - timedelta(hours=1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert attestations_watch()["pdfs_requeued"] == 1
    attestation.refresh_from_db()
    assert attestation.pdf_status == "ready"
    assert set(attestation.dispatches.values_list("status", flat=True)) == {"sent"}


def test_a_failed_pdf_is_visible_and_retried_from_the_file(
    completed: Parcours,
    caseworker: User,
    login_client: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.urls import reverse

    import attestations.documents as documents

    def broken(snapshot: dict[str, Any]) -> bytes:
        raise ValueError("police introuvable")

    # Deliberately broken renderer (a real failure cannot be provoked on demand).
    monkeypatch.setattr(documents, "attestation_render", broken)
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    attestation.refresh_from_db()
    assert attestation.pdf_status == "failed" and "police introuvable" in attestation.pdf_error
    assert set(attestation.dispatches.values_list("status", flat=True)) == {"queued"}
    client = login_client(caseworker)
    page = client.get(reverse("beneficiaries:detail", args=[completed.beneficiary_id]))
    assert "La génération du PDF a échoué" in page.content.decode()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("attestations:pdf-retry", args=[completed.beneficiary_id, attestation.pk])
        )
    attestation.refresh_from_db()
    assert attestation.pdf_status == "ready"
    assert set(attestation.dispatches.values_list("status", flat=True)) == {"sent"}


def test_a_stale_delay_shorter_than_a_task_is_refused(settings: Any) -> None:
    from cainamur.checks import check_outbox_timing

    assert check_outbox_timing() == []
    settings.OUTBOX_STALE_MINUTES = 2  # the send task may run 150 s
    assert [e.id for e in check_outbox_timing()] == ["cainamur.E003"]


def test_a_copy_left_sending_by_a_worker_that_started_again_is_taken_back_at_once(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    from cainamur.models import WorkerHeartbeat

    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    commune_copy = attestation.dispatches.get(recipient_kind="commune")
    cpas_copy = attestation.dispatches.get(recipient_kind="cpas")
    now = timezone.now()
    claimed = now - timedelta(seconds=20)  # well within the send task's time limit
    # The worker that took the first was killed and has started again since (its
    # heartbeat says so); the one sending the second is still the same process.
    Dispatch.objects.filter(pk=commune_copy.pk).update(
        status="sending", sending_since=claimed, sending_by="w1@host"
    )
    Dispatch.objects.filter(pk=cpas_copy.pk).update(
        status="sending", sending_since=claimed, sending_by="w2@host"
    )
    WorkerHeartbeat.objects.create(hostname="w1@host", pid=2, started_at=now, seen_at=now)
    WorkerHeartbeat.objects.create(
        hostname="w2@host", pid=3, started_at=now - timedelta(hours=1), seen_at=now
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_watch()["requeued"] == 1
    commune_copy.refresh_from_db()
    cpas_copy.refresh_from_db()
    assert commune_copy.status == "sent" and len(mail.outbox) == 1
    assert cpas_copy.status == "sending"


def test_a_copy_whose_task_was_lost_leaves_two_minutes_after_its_time(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    commune_copy = attestation.dispatches.get(recipient_kind="commune")
    cpas_copy = attestation.dispatches.get(recipient_kind="cpas")
    now = timezone.now()
    Dispatch.objects.filter(pk=commune_copy.pk).update(
        status="queued", next_attempt_at=now - timedelta(minutes=2, seconds=5)
    )
    Dispatch.objects.filter(pk=cpas_copy.pk).update(
        status="queued", next_attempt_at=now - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_watch()["requeued"] == 1
    assert dict(attestation.dispatches.values_list("recipient_kind", "status")) == {
        "commune": "sent",
        "cpas": "queued",
    }


def test_a_render_delivered_again_after_the_pdf_was_stored_queues_the_copies(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    from attestations.documents import attestation_pdf_store
    from attestations.tasks import render_attestation_pdf

    attestation = attestation_issue(parcours=completed, by=caseworker)  # task never ran
    # A first delivery stored the PDF, then its worker died before queuing the copies.
    assert attestation_pdf_store(attestation.pk)
    assert set(attestation.dispatches.values_list("status", flat=True)) == {"queued"}
    with django_capture_on_commit_callbacks(execute=True):
        render_attestation_pdf.apply(args=[attestation.pk])  # delivered again
    assert set(attestation.dispatches.values_list("status", flat=True)) == {"sent"}
