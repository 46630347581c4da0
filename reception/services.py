from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from reception.models import Callback, CallbackAttempt, Permanence, QueueTicket


def callback_attempt_record(
    callback: Callback, *, by: Any, outcome: str, note: str = "", done: bool = False
) -> CallbackAttempt:
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        attempt = CallbackAttempt.objects.create(
            callback=callback, by=by, outcome=outcome, note=note
        )
        if done and callback.status == Callback.Status.OPEN:
            callback.status = Callback.Status.DONE
            callback.closed_at = timezone.now()
            callback.closed_by = by
            callback.save(update_fields=["status", "closed_at", "closed_by"])
        return attempt


class PermanenceError(Exception):
    """A refused step, with a message for the user (French)."""


def ticket_register(
    permanence: Permanence,
    *,
    on: date,
    by: Any,
    beneficiary: Beneficiary | None = None,
    name: str = "",
    phone: str = "",
) -> QueueTicket:
    """Numbers follow each other per permanence and day (under a lock on the permanence)."""
    with transaction.atomic():
        Permanence.objects.select_for_update().get(pk=permanence.pk)
        last = QueueTicket.objects.filter(permanence=permanence, on=on).aggregate(n=Max("number"))
        return QueueTicket.objects.create(
            permanence=permanence,
            on=on,
            number=(last["n"] or 0) + 1,
            beneficiary=beneficiary,
            name=beneficiary.full_name if beneficiary else name.strip(),
            phone=phone or (beneficiary.phone if beneficiary else ""),
            registered_by=by,
        )


def ticket_call_next(permanence: Permanence, *, on: date, by: Any) -> QueueTicket | None:
    with transaction.atomic():
        ticket = (
            QueueTicket.objects.select_for_update(skip_locked=True)
            .filter(permanence=permanence, on=on, status=QueueTicket.Status.WAITING)
            .order_by("number")
            .first()
        )
        if ticket is None:
            return None
        ticket.status = QueueTicket.Status.CALLED
        ticket.called_at = timezone.now()
        ticket.called_by = by
        ticket.save(update_fields=["status", "called_at", "called_by"])
        return ticket


def ticket_finish(ticket: QueueTicket, *, topic: str, note: str = "") -> QueueTicket:
    with transaction.atomic():
        ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status != QueueTicket.Status.CALLED:
            raise PermanenceError(_("Ce ticket n'est pas en cours d'entretien."))
        ticket.status = QueueTicket.Status.DONE
        ticket.finished_at = timezone.now()
        ticket.topic = topic
        ticket.note = note
        ticket.save(update_fields=["status", "finished_at", "topic", "note"])
        return ticket


def ticket_left(ticket: QueueTicket) -> None:
    QueueTicket.objects.filter(
        pk=ticket.pk, status__in=[QueueTicket.Status.WAITING, QueueTicket.Status.CALLED]
    ).update(status=QueueTicket.Status.LEFT, finished_at=timezone.now())
