from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.contact_languages import spoken_for
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_presented
from cainamur import audit
from cainamur.lib.text import max_length
from cainamur.models import User
from offices.models import Office
from reception.models import Callback, CallbackAttempt, Permanence, QueueTicket


def _audit(
    *,
    by: User,
    action: str,
    summary: str,
    beneficiary: Beneficiary | None,
    obj: Callback | QueueTicket,
) -> None:
    audit.record(
        by=by, action=f"reception.{action}", summary=summary, beneficiary=beneficiary, obj=obj
    )


def callback_log(*, callback: Callback, by: User) -> Callback:
    """A phone message to call back, as reception typed it."""
    with transaction.atomic():
        callback.created_by = by
        callback.save()
        _audit(
            by=by,
            action="callback_log",
            summary=_("Message à rappeler : %(name)s") % {"name": callback.name},
            beneficiary=callback.beneficiary,
            obj=callback,
        )
    return callback


def callback_request_online(
    *, office: Office, name: str, phone: str, language: str, interpreter: bool, subject: str
) -> Callback:
    """The person asked to be called back on the public pages: a call-back for the
    office, in their language (so that a colleague who speaks it can call)."""
    spoken = spoken_for(language)
    with transaction.atomic():
        callback = Callback.objects.create(
            name=name[: max_length(Callback, "name")],
            phone=phone,
            language="" if spoken == "fr" else spoken,
            subject=(
                _("Demande en ligne (interprète souhaité·e) : %(subject)s")
                if interpreter
                else _("Demande en ligne : %(subject)s")
            )
            % {"subject": subject},
            office=office,
        )
        audit.record(
            by=None,
            action="reception.callback_request_online",
            summary=_("Demande de rappel en ligne : %(name)s") % {"name": callback.name},
            obj=callback,
        )
    return callback


def callback_close(*, callback: Callback, by: User) -> bool:
    """Nothing more to do; False when it was already closed."""
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if callback.status != Callback.Status.OPEN:
            return False
        callback.status = Callback.Status.DONE
        callback.closed_at = timezone.now()
        callback.closed_by = by
        callback.save(update_fields=["status", "closed_at", "closed_by"])
        _audit(
            by=by,
            action="callback_close",
            summary=_("Rappel de %(name)s traité") % {"name": callback.name},
            beneficiary=callback.beneficiary,
            obj=callback,
        )
    return True


def callback_attempt_record(
    *, callback: Callback, by: User, outcome: str, note: str = "", done: bool = False
) -> CallbackAttempt:
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        attempt = CallbackAttempt.objects.create(
            callback=callback, by=by, outcome=outcome, note=note
        )
        _audit(
            by=by,
            action="callback_attempt",
            summary=_("Rappel de %(name)s : %(outcome)s")
            % {"name": callback.name, "outcome": attempt.get_outcome_display()},
            beneficiary=callback.beneficiary,
            obj=callback,
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
    *,
    permanence: Permanence,
    on: date,
    by: User,
    beneficiary: Beneficiary | None = None,
    name: str = "",
    phone: str = "",
) -> QueueTicket:
    """Numbers follow each other per permanence and day (under a lock on the permanence)."""
    with transaction.atomic():
        Permanence.objects.select_for_update().get(pk=permanence.pk)
        last = QueueTicket.objects.filter(permanence=permanence, on=on).aggregate(n=Max("number"))
        ticket = QueueTicket.objects.create(
            permanence=permanence,
            on=on,
            number=(last["n"] or 0) + 1,
            beneficiary=beneficiary,
            name=beneficiary.full_name if beneficiary else name.strip(),
            phone=phone or (beneficiary.phone if beneficiary else ""),
            registered_by=by,
        )
        if beneficiary is not None:  # a walk-in is a presentation at the centre
            beneficiary_presented(beneficiary=beneficiary, on=on, by=by)
        _audit(
            by=by,
            action="ticket_register",
            summary=_("Permanence « %(theme)s » : ticket n° %(number)s")
            % {"theme": permanence.theme, "number": ticket.number},
            beneficiary=beneficiary,
            obj=ticket,
        )
        return ticket


def ticket_call_next(*, permanence: Permanence, on: date, by: User) -> QueueTicket | None:
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
        _audit(
            by=by,
            action="ticket_call",
            summary=_("Permanence : ticket n° %(number)s appelé") % {"number": ticket.number},
            beneficiary=ticket.beneficiary,
            obj=ticket,
        )
        return ticket


def ticket_finish(*, ticket: QueueTicket, by: User, topic: str, note: str = "") -> QueueTicket:
    with transaction.atomic():
        ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status != QueueTicket.Status.CALLED:
            raise PermanenceError(_("Ce ticket n'est pas en cours d'entretien."))
        ticket.status = QueueTicket.Status.DONE
        ticket.finished_at = timezone.now()
        ticket.topic = topic
        ticket.note = note
        ticket.save(update_fields=["status", "finished_at", "topic", "note"])
        _audit(
            by=by,
            action="ticket_finish",
            summary=_("Permanence : ticket n° %(number)s reçu (%(topic)s)")
            % {"number": ticket.number, "topic": ticket.get_topic_display()},
            beneficiary=ticket.beneficiary,
            obj=ticket,
        )
        return ticket


def ticket_left(*, ticket: QueueTicket, by: User) -> None:
    with transaction.atomic():
        left = QueueTicket.objects.filter(
            pk=ticket.pk, status__in=[QueueTicket.Status.WAITING, QueueTicket.Status.CALLED]
        ).update(status=QueueTicket.Status.LEFT, finished_at=timezone.now())
        if left:
            _audit(
                by=by,
                action="ticket_left",
                summary=_("Permanence : ticket n° %(number)s parti sans être reçu")
                % {"number": ticket.number},
                beneficiary=ticket.beneficiary,
                obj=ticket,
            )


def ticket_link(*, ticket: QueueTicket, beneficiary: Beneficiary, by: User) -> None:
    """A ticket given to someone without a file, attached to their file once it exists."""
    with transaction.atomic():
        QueueTicket.objects.filter(pk=ticket.pk).update(beneficiary=beneficiary)
        beneficiary_presented(beneficiary=beneficiary, on=ticket.on, by=by)
        _audit(
            by=by,
            action="ticket_link",
            summary=_("Permanence : ticket n° %(number)s relié au dossier")
            % {"number": ticket.number},
            beneficiary=beneficiary,
            obj=ticket,
        )
