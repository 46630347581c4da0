"""Writes on appointments: booking (the database has the last word on double bookings),
group-session seats under a row lock, and the status of each appointment."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import slots
from appointments.messages import appointment_messages
from appointments.models import Appointment, AppointmentType, CalendarFeed, Seat
from appointments.selectors import person_busy, slot_search
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_presented
from cainamur import audit
from cainamur.lib import localtime, plausible
from cainamur.lib.text import max_length
from cainamur.lib.tokens import token_new
from cainamur.models import User
from offices.models import Office, Room
from outbox.models import Dispatch


def when_label(appointment: Appointment) -> str:
    """The appointment's start, Brussels time, as the audit trail names it."""
    return timezone.localtime(appointment.during.lower, localtime.BRUSSELS).strftime(
        "%d/%m/%Y %H:%M"
    )


def _audit(
    appointment: Appointment,
    *,
    by: User,
    action: str,
    summary: str,
    reason: str = "",
    **data: Any,
) -> None:
    audit.record(
        by=by,
        action=f"appointments.{action}",
        summary=summary,
        beneficiary=appointment.beneficiary,
        obj=appointment,
        data=data,
        reason=reason,
    )


def _fits(**texts: str) -> None:
    """Each text fits its field of the appointment (else refused, never cut)."""
    for name, value in texts.items():
        if problem := plausible.too_long(value, max_length=max_length(Appointment, name)):
            raise BookingError(problem)


def calendar_feed_renew(*, staff: User) -> str:
    """A new private iCal address for ``staff`` (the old one stops working); returns the
    token, shown once."""
    token, digest = token_new()
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.update_or_create(
            staff=staff, defaults={"token_sha256": digest}
        )
        audit.record(
            by=staff,
            action="appointments.calendar_feed_renew",
            summary=_("Flux iCal renouvelé"),
            obj=feed,
        )
    return token


def calendar_feed_revoke(*, staff: User) -> None:
    with transaction.atomic():
        deleted, _rows = CalendarFeed.objects.filter(staff=staff).delete()
        if deleted:
            audit.record(
                by=staff,
                action="appointments.calendar_feed_revoke",
                summary=_("Flux iCal désactivé"),
            )


class BookingError(Exception):
    """A refused booking, with a message for the user (French)."""


class SlotTaken(BookingError):
    """Someone else booked that slot a moment earlier."""


# Allowed status changes (one place, as everywhere in the project).
TRANSITIONS: dict[str, frozenset[str]] = {
    Appointment.Status.BOOKED: frozenset(
        {
            Appointment.Status.ARRIVED,
            Appointment.Status.NO_SHOW,
            Appointment.Status.CANCELLED,
            Appointment.Status.MISSED,
        }
    ),
    Appointment.Status.ARRIVED: frozenset({Appointment.Status.DONE, Appointment.Status.BOOKED}),
    Appointment.Status.DONE: frozenset(),
    Appointment.Status.NO_SHOW: frozenset({Appointment.Status.BOOKED}),
    Appointment.Status.MISSED: frozenset({Appointment.Status.DONE}),
    Appointment.Status.CANCELLED: frozenset(),
}


def _still_free(
    *,
    office: Office,
    kind: AppointmentType,
    staff_id: int,
    start: datetime,
    beneficiary: Beneficiary,
    now: datetime | None = None,
) -> slots.Slot | None:
    """The slot as the finder sees it now (hours, closures, presence, absences, the
    person's other appointments), or None."""
    day = timezone.localtime(start, localtime.BRUSSELS).date()
    found = slot_search(
        office=office,
        kind=kind,
        first=day,
        last=day,
        beneficiary=beneficiary,
        staff_ids=[staff_id],
        limit=1000,
        now=now,
    )
    return next((s for s in found if s.start == start), None)


def appointment_book(
    *,
    beneficiary: Beneficiary,
    kind: AppointmentType,
    office: Office,
    staff_id: int,
    start: datetime,
    by: User,
    interpreter_language: str = "",
    notes: str = "",
    rescheduled_from: Appointment | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book an individual appointment in a slot the finder proposed. Raises ``SlotTaken``
    when it is no longer free (another booking won the race, the staff member became
    absent...)."""
    if kind.is_group:
        raise BookingError(_("Une séance de groupe se réserve en y inscrivant la personne."))
    _fits(notes=notes)
    slot = _still_free(
        office=office,
        kind=kind,
        staff_id=staff_id,
        start=start,
        beneficiary=beneficiary,
        now=now,
    )
    if slot is None:
        raise SlotTaken(_("Ce créneau vient d'être pris ou n'est plus disponible."))
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                type=kind,
                office=office,
                staff_id=staff_id,
                room_id=slot.room_id,
                beneficiary=beneficiary,
                during=DateTimeTZRange(slot.start, slot.end),
                interpreter_language=interpreter_language,
                interpreter=Appointment.Interpreter.REQUESTED if interpreter_language else "",
                notes=notes,
                rescheduled_from=rescheduled_from,
                created_by=by,
            )
            _audit(
                appointment,
                by=by,
                action="book",
                summary=_("Rendez-vous pris : « %(type)s », %(when)s")
                % {"type": kind.name, "when": when_label(appointment)},
            )
            appointment_messages(purpose=Dispatch.Purpose.CONFIRMATION, appointment=appointment)
            return appointment
    except IntegrityError as error:  # the exclusion constraints: a concurrent booking
        raise SlotTaken(_("Ce créneau vient d'être pris par une autre réservation.")) from error


def session_create(
    *,
    kind: AppointmentType,
    office: Office,
    staff_id: int,
    room: Room | None,
    start: datetime,
    by: User,
) -> Appointment:
    """Plan a group session (e.g. a rights-and-duties session) in a free slot."""
    if not kind.is_group:
        raise BookingError(_("Ce type de rendez-vous n'est pas une séance de groupe."))
    end = start + timedelta(minutes=kind.duration_minutes)
    try:
        with transaction.atomic():
            session = Appointment.objects.create(
                type=kind,
                office=office,
                staff_id=staff_id,
                room=room,
                during=DateTimeTZRange(start, end),
                created_by=by,
            )
            _audit(
                session,
                by=by,
                action="session_create",
                summary=_("Séance « %(type)s » planifiée le %(when)s")
                % {"type": kind.name, "when": when_label(session)},
            )
            return session
    except IntegrityError as error:
        raise SlotTaken(
            _("Ce membre du personnel ou cette salle est déjà pris à cette heure.")
        ) from error


def seat_book(
    *, session: Appointment, beneficiary: Beneficiary, by: User, interpreter_language: str = ""
) -> Seat:
    """Give a person a place in a group session, counted under a lock on the session."""
    with transaction.atomic():
        session = Appointment.objects.select_for_update().select_related("type").get(pk=session.pk)
        if (
            session.status != Appointment.Status.BOOKED
            or not session.type.is_group
            or session.during.lower <= timezone.now()
        ):
            raise BookingError(_("Cette séance n'accepte plus d'inscriptions."))
        taken = session.seats.filter(status__in=[Seat.Status.BOOKED, Seat.Status.ARRIVED]).count()
        if taken >= (session.type.capacity or 0):
            raise SlotTaken(_("Cette séance est complète."))
        if (
            session.seats.filter(beneficiary=beneficiary)
            .exclude(status=Seat.Status.CANCELLED)
            .exists()
        ):
            raise BookingError(_("Cette personne est déjà inscrite à cette séance."))
        if slots.overlaps(
            slots.merge(person_busy(beneficiary, session.during)),
            session.during.lower,
            session.during.upper,
        ):
            raise BookingError(_("Cette personne a déjà un rendez-vous à cette heure-là."))
        seat = Seat.objects.create(
            session=session,
            beneficiary=beneficiary,
            interpreter_language=interpreter_language,
            created_by=by,
        )
        audit.record(
            by=by,
            action="appointments.seat_book",
            summary=_("Inscription à la séance « %(type)s » du %(when)s")
            % {"type": session.type.name, "when": when_label(session)},
            beneficiary=beneficiary,
            obj=seat,
        )
        appointment_messages(purpose=Dispatch.Purpose.CONFIRMATION, seat=seat)
        return seat


def appointment_move(
    *, appointment: Appointment, to: str, by: User, reason: str = ""
) -> Appointment:
    """Arrived, done, no-show, cancelled (with a reason)."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if to not in TRANSITIONS[appointment.status]:
            raise BookingError(
                _("Ce rendez-vous ne peut pas passer de « %(from)s » à « %(to)s ».")
                % {"from": appointment.get_status_display(), "to": Appointment.Status(to).label}
            )
        if to == Appointment.Status.CANCELLED and not reason.strip():
            raise BookingError(_("Indiquez le motif de l'annulation."))
        _fits(reason=reason.strip())
        before = appointment.status
        appointment.status = to
        fields = ["status"]
        if to == Appointment.Status.ARRIVED:
            appointment.arrived_at = timezone.now()
            fields.append("arrived_at")
        if to in (Appointment.Status.ARRIVED, Appointment.Status.DONE) and appointment.beneficiary:
            beneficiary_presented(
                beneficiary=appointment.beneficiary,
                on=timezone.localtime(appointment.during.lower).date(),
                by=by,
            )
        if reason.strip():
            appointment.reason = reason.strip()
            fields.append("reason")
        try:
            with transaction.atomic():
                appointment.save(update_fields=fields)
        except IntegrityError as error:  # back to « prévu » over a slot taken since
            raise SlotTaken(
                _("Ce créneau a été réservé entre-temps : reprenez un rendez-vous.")
            ) from error
        if to == Appointment.Status.CANCELLED and appointment.beneficiary_id is None:
            # A cancelled group session: its participants' places go with it (their
            # pending confirmations and reminders are then never sent).
            appointment.seats.exclude(status=Seat.Status.CANCELLED).update(
                status=Seat.Status.CANCELLED
            )
        _audit(
            appointment,
            by=by,
            action="move",
            summary=_("Rendez-vous du %(when)s : %(from)s → %(to)s")
            % {
                "when": when_label(appointment),
                "from": Appointment.Status(before).label,
                "to": Appointment.Status(to).label,
            },
            reason=reason,
            before=before,
            to=to,
        )
        return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    staff_id: int,
    start: datetime,
    by: User,
    reason: str,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment to another slot: the old one is cancelled with the reason, the
    new one remembers it; both in one transaction (nothing changes if the slot is taken)."""
    if not reason.strip():
        raise BookingError(_("Indiquez le motif du report."))
    _fits(reason=reason.strip())
    with transaction.atomic():
        old = (
            Appointment.objects.select_for_update()
            .select_related("type", "office")
            .get(pk=appointment.pk)
        )
        if old.status != Appointment.Status.BOOKED:
            raise BookingError(_("Seul un rendez-vous prévu peut être reporté."))
        beneficiary = old.beneficiary
        if beneficiary is None:  # a group session (appointment_book refused it too)
            raise BookingError(_("Une séance de groupe se réserve en y inscrivant la personne."))
        old.status = Appointment.Status.CANCELLED
        old.reason = reason.strip()
        old.save(update_fields=["status", "reason"])
        _audit(
            old,
            by=by,
            action="reschedule",
            summary=_("Rendez-vous du %(when)s reporté") % {"when": when_label(old)},
            reason=old.reason,
        )
        return appointment_book(
            beneficiary=beneficiary,
            kind=old.type,
            office=old.office,
            staff_id=staff_id,
            start=start,
            by=by,
            interpreter_language=old.interpreter_language,
            notes=old.notes,
            rescheduled_from=old,
            now=now,
        )


def appointments_mark_missed(now: datetime | None = None) -> int:
    """Nightly: appointments of the past never checked in become « non pointé »."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(status=Appointment.Status.BOOKED, during__endswith__lt=now)
        .filter(Q(beneficiary__isnull=False) | Q(online_booking__isnull=False))
        .update(status=Appointment.Status.MISSED)
    )


REMINDERS_UNTIL_HOUR = 20


def reminders_queue(now: datetime | None = None) -> int:
    """The day before, from ``CAI_REMINDER_HOUR``: a reminder for each appointment and
    group-session seat of tomorrow (once each: the rows are unique). Returns how many."""
    now = timezone.localtime(now or timezone.now(), localtime.BRUSSELS)
    if not settings.CAI_REMINDER_HOUR <= now.hour < REMINDERS_UNTIL_HOUR:
        return 0  # never in the evening nor at night
    tomorrow = now.date() + timedelta(days=1)
    period = DateTimeTZRange(*localtime.day_bounds(tomorrow))
    queued = 0
    individual = (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            during__startswith__gte=period.lower,
            during__startswith__lt=period.upper,
        )
        # A booking made online and not yet linked to a file is reminded too.
        .filter(Q(beneficiary__isnull=False) | Q(online_booking__isnull=False))
        .select_related("beneficiary", "online_booking")
        .exclude(dispatches__purpose=Dispatch.Purpose.REMINDER)
    )
    for appointment in individual:
        queued += len(
            appointment_messages(purpose=Dispatch.Purpose.REMINDER, appointment=appointment)
        )
    seats = (
        Seat.objects.filter(
            status=Seat.Status.BOOKED,
            session__status=Appointment.Status.BOOKED,
            session__during__startswith__gte=period.lower,
            session__during__startswith__lt=period.upper,
        )
        .select_related("beneficiary")
        .exclude(dispatches__purpose=Dispatch.Purpose.REMINDER)
    )
    for seat in seats:
        queued += len(appointment_messages(purpose=Dispatch.Purpose.REMINDER, seat=seat))
    return queued


def interpreter_confirm(*, appointment: Appointment, by: User) -> Appointment:
    """The interpreter requested for this appointment has confirmed."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.interpreter != Appointment.Interpreter.REQUESTED:
            raise BookingError(_("Aucun interprète n'est en attente de confirmation."))
        appointment.interpreter = Appointment.Interpreter.CONFIRMED
        appointment.save(update_fields=["interpreter"])
        _audit(
            appointment,
            by=by,
            action="interpreter_confirm",
            summary=_("Rendez-vous du %(when)s : interprète confirmé·e")
            % {"when": when_label(appointment)},
        )
        return appointment


SEAT_TRANSITIONS: dict[str, frozenset[str]] = {
    Seat.Status.BOOKED: frozenset(
        {Seat.Status.ARRIVED, Seat.Status.NO_SHOW, Seat.Status.CANCELLED}
    ),
    Seat.Status.ARRIVED: frozenset({Seat.Status.BOOKED}),
    Seat.Status.NO_SHOW: frozenset({Seat.Status.BOOKED}),
    Seat.Status.CANCELLED: frozenset(),
}


def seat_move(*, seat: Seat, to: str, by: User) -> Seat:
    """A participant of a group session: present, absent, or unregistered."""
    with transaction.atomic():
        seat = Seat.objects.select_for_update().get(pk=seat.pk)
        if to not in SEAT_TRANSITIONS[seat.status]:
            raise BookingError(
                _("Cette inscription ne peut pas passer de « %(from)s » à « %(to)s ».")
                % {"from": seat.get_status_display(), "to": Seat.Status(to).label}
            )
        before = seat.status
        seat.status = to
        seat.save(update_fields=["status"])
        if to == Seat.Status.ARRIVED:
            beneficiary_presented(
                beneficiary=seat.beneficiary,
                on=timezone.localtime(seat.session.during.lower).date(),
                by=by,
            )
        audit.record(
            by=by,
            action="appointments.seat_move",
            summary=_("Séance du %(when)s : %(from)s → %(to)s")
            % {
                "when": when_label(seat.session),
                "from": Seat.Status(before).label,
                "to": Seat.Status(to).label,
            },
            beneficiary=seat.beneficiary,
            obj=seat,
            data={"before": before, "to": to},
        )
        return seat
