"""One audit trail: human writes record who did what, in the same transaction; the rows
never change; raw history rows carry the user of the request."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InternalError, transaction
from django.urls import reverse
from django.utils import timezone

from cainamur import audit
from cainamur.models import AuditEvent, User
from reception.models import Callback, Permanence, QueueTicket
from reception.services import ticket_call_next, ticket_register
from tests.factories import BeneficiaryFactory


def test_a_row_is_written_with_the_change_and_never_changed(caseworker: User) -> None:
    beneficiary = BeneficiaryFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(by=caseworker, action="x", summary="Rien", beneficiary=beneficiary)
        raise RuntimeError  # the change fails: its audit row goes with it
    assert not AuditEvent.objects.exists()
    row = audit.record(by=caseworker, action="x", summary="Fait", beneficiary=beneficiary)
    with pytest.raises(InternalError, match="audit_append_only"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(summary="Autre chose")
    with pytest.raises(InternalError, match="audit_append_only"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).delete()


def test_the_actions_that_recorded_no_actor_now_do(
    reception: User, caseworker: User, login_client: Any
) -> None:
    """Closing a call-back and finishing a permanence ticket went through views without
    recording who; they now leave an audit row with the person's account."""
    callback = Callback.objects.create(
        name="Olena K.",
        phone="+32471234567",
        subject="Rendez-vous",
        office=caseworker.offices.first(),
        created_by=reception,
    )
    client = login_client(caseworker)
    client.post(reverse("reception:callback-done", args=[callback.pk]))
    closed = AuditEvent.objects.get(action="reception.callback_close")
    assert closed.actor == caseworker and "Olena K." in closed.summary

    permanence = Permanence.objects.get(office__code="namur")

    ticket_register(
        permanence=permanence, on=timezone.localdate(), by=reception, name="Sans Dossier"
    )
    ticket = ticket_call_next(permanence=permanence, on=timezone.localdate(), by=caseworker)
    assert ticket is not None
    client.post(reverse("reception:ticket-finish", args=[ticket.pk]), {"topic": "cv", "note": ""})
    assert QueueTicket.objects.get(pk=ticket.pk).status == "done"
    finished = AuditEvent.objects.get(action="reception.ticket_finish")
    assert finished.actor == caseworker


def test_history_context_never_holds_a_secret_of_the_address(rf: Any, caseworker: User) -> None:
    from cainamur.history import HistoryMiddleware

    middleware = HistoryMiddleware(lambda _request: None)  # type: ignore[arg-type,return-value]
    secret = "s3cr3t-t0k3n-of-an-operator"
    request = rf.post(reverse("operators:report", args=[secret]))
    request.user = caseworker
    context = middleware.get_context(request)
    assert secret not in str(context) and context["url"] == "/operateurs/heures/<str:token>/"
    request = rf.post(reverse("beneficiaries:update", args=[42]))
    request.user = caseworker
    assert middleware.get_context(request)["url"] == "/dossiers/42/modifier/"
