"""The welcome module booked by the person themselves on the public pages (``/rdv/``).

Each office opens a share of each day's capacity to online booking
(``Office.online_share``). A booking is held by the same database constraints as the
staff's (a lost race is ``SlotTaken``: the page offers fresh slots); online bookings at an
office are taken one at a time (a row lock on the office) so that the day's share is never
exceeded, and a person (a phone number or an e-mail address) holds at most one online
booking to come. Reception then links the booking to a file, or refuses it with a message
to the person."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import slots
from appointments.messages import appointment_messages
from appointments.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    BookingLink,
    OnlineBooking,
)
from appointments.selectors import day_capacity, online_booked, slot_search
from appointments.services import BookingError, SlotTaken, when_label
from beneficiaries.contact_languages import spoken_for
from beneficiaries.models import Beneficiary, Commune
from cainamur import audit
from cainamur.lib import localtime
from cainamur.lib.tokens import token_digest
from cainamur.models import User
from offices.models import Office
from outbox.models import Dispatch
from outbox.services import dispatch_queue

WELCOME = "welcome"
#: Slots shown at once on the public page.
OFFERED = 24


class AlreadyBooked(BookingError):
    """This phone number or e-mail address already holds an online booking to come."""


@dataclass(frozen=True)
class Person:
    """The person as they describe themselves on the booking form."""

    first_names: str
    last_name: str
    phone: str = ""  # E.164
    email: str = ""
    sms: bool = False
    language: str = "fr"
    interpreter: bool = False
    national_number: str = ""
    postal_code: str = ""


def welcome_type() -> AppointmentType | None:
    return AppointmentType.objects.filter(code=WELCOME, is_active=True, is_group=False).first()


def booking_offices(postal_code: str = "") -> list[Office]:
    """The offices that take online bookings, the nearest first: the office of the
    commune of ``postal_code``, then by distance between postal codes (in the province
    they follow the map closely enough)."""
    offices = list(Office.objects.filter(is_active=True, online_share__gt=0))
    if not postal_code.isdigit():
        return offices
    own = (
        Commune.objects.filter(postal_codes__contains=[postal_code])
        .values_list("office_id", flat=True)
        .first()
    )

    def distance(office: Office) -> tuple[int, int]:
        other = int(office.postal_code) if office.postal_code.isdigit() else 10_000
        return (0 if office.pk == own else 1, abs(other - int(postal_code)))

    return sorted(offices, key=distance)


def _window(now: datetime) -> tuple[date, date]:
    today = timezone.localtime(now, localtime.BRUSSELS).date()
    first = today + timedelta(days=settings.CAI_PUBLIC_BOOKING_LEAD_DAYS)
    return first, first + timedelta(days=settings.CAI_PUBLIC_BOOKING_DAYS - 1)


def _open_days(office: Office, kind: AppointmentType, first: date, last: date) -> set[date]:
    """The days whose online share is not used up yet."""
    capacity = day_capacity(office, kind, first, last)
    booked = online_booked(office, first, last)
    return {
        day
        for day, places in capacity.items()
        if booked.get(day, 0) < places * office.online_share // 100
    }


def offer(
    office: Office, *, now: datetime | None = None, limit: int = OFFERED, day: date | None = None
) -> list[slots.Slot]:
    """The welcome-module slots a person may book online at ``office``, earliest first
    (one per start time, a module's length apart)."""
    kind = welcome_type()
    if kind is None or office.online_share <= 0:
        return []
    now = now or timezone.now()
    first, last = _window(now)
    if day is not None:
        if not first <= day <= last:
            return []
        first = last = day
    open_days = _open_days(office, kind, first, last)
    if not open_days:
        return []
    found = slot_search(
        office=office,
        kind=kind,
        first=min(open_days),
        last=max(open_days),
        now=now,
        limit=1000,
        step=timedelta(minutes=kind.duration_minutes),
    )
    return [
        s for s in found if timezone.localtime(s.start, localtime.BRUSSELS).date() in open_days
    ][:limit]


def _lock_contact(*keys: str) -> None:
    """One online booking at a time per phone number and per e-mail address (a
    transaction-level advisory lock: two tabs sending at once cannot both book)."""
    with connection.cursor() as cursor:
        for key in sorted(k for k in keys if k):
            # A signed 64-bit key from the contact (the lock's only argument).
            digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s::bigint)", [digest])


def booking_to_come(*, phone: str = "", email: str = "", now: datetime | None = None) -> bool:
    """Whether this phone number or e-mail address holds an online booking to come."""
    match = Q()
    if phone:
        match |= Q(online_booking__phone=phone)
    if email:
        match |= Q(online_booking__email__iexact=email)
    if not match:
        return False
    return (
        Appointment.objects.filter(match)
        .filter(
            status=Appointment.Status.BOOKED,
            during__endswith__gt=now or timezone.now(),
            online_booking__status__in=[
                OnlineBooking.Status.PENDING,
                OnlineBooking.Status.LINKED,
            ],
        )
        .exists()
    )


def _create(
    *,
    booking: OnlineBooking,
    kind: AppointmentType,
    office: Office,
    start: datetime,
    now: datetime,
    replaces: Appointment | None = None,
) -> Appointment:
    """The appointment in the slot ``start`` if still offered (under the office's lock)."""
    day = timezone.localtime(start, localtime.BRUSSELS).date()
    slot = next((s for s in offer(office, now=now, day=day, limit=1000) if s.start == start), None)
    if slot is None:
        raise SlotTaken(_("Ce créneau vient d'être pris ou n'est plus proposé en ligne."))
    try:
        with transaction.atomic():
            return Appointment.objects.create(
                type=kind,
                office=office,
                staff_id=slot.staff_id,
                room_id=slot.room_id,
                beneficiary=booking.beneficiary,
                online_booking=booking,
                during=DateTimeTZRange(slot.start, slot.end),
                interpreter_language=spoken_for(booking.language) if booking.interpreter else "",
                interpreter=Appointment.Interpreter.REQUESTED if booking.interpreter else "",
                rescheduled_from=replaces,
            )
    except IntegrityError as error:  # a staff booking won the race
        raise SlotTaken(_("Ce créneau vient d'être pris par une autre réservation.")) from error


def online_book(
    *, office: Office, start: datetime, person: Person, now: datetime | None = None
) -> OnlineBooking:
    """Book the welcome module at ``office`` at ``start`` for ``person`` (who has no file
    yet as far as the centre knows). Raises ``SlotTaken`` (offer fresh slots) or
    ``AlreadyBooked``."""
    kind = welcome_type()
    if kind is None:
        raise BookingError(_("La réservation en ligne n'est pas ouverte."))
    now = now or timezone.now()
    with transaction.atomic():
        Office.objects.select_for_update(no_key=True).get(pk=office.pk)
        _lock_contact(person.phone, person.email.lower())
        if booking_to_come(phone=person.phone, email=person.email, now=now):
            raise AlreadyBooked(
                _("Vous avez déjà un rendez-vous réservé en ligne : utilisez le lien reçu.")
            )
        booking = OnlineBooking.objects.create(
            first_names=person.first_names,
            last_name=person.last_name,
            phone=person.phone,
            email=person.email,
            sms=person.sms,
            language=person.language,
            interpreter=person.interpreter,
            national_number=person.national_number or None,
            postal_code=person.postal_code,
        )
        appointment = _create(booking=booking, kind=kind, office=office, start=start, now=now)
        audit.record(
            by=None,
            action="appointments.online_book",
            summary=_("Rendez-vous réservé en ligne : « %(type)s », %(when)s")
            % {"type": kind.name, "when": when_label(appointment)},
            obj=appointment,
        )
        appointment_messages(purpose=Dispatch.Purpose.CONFIRMATION, appointment=appointment)
    return booking


def booking_by_token(token: str, *, now: datetime | None = None) -> OnlineBooking | None:
    """The booking a private link opens, while it has an appointment to come."""
    if not token or len(token) > 64:
        return None
    link = (
        BookingLink.objects.filter(token_sha256=token_digest(token))
        .select_related("booking")
        .first()
    )
    if link is None or current_appointment(link.booking, now=now) is None:
        return None
    return link.booking


def current_appointment(
    booking: OnlineBooking, *, now: datetime | None = None
) -> Appointment | None:
    """The booking's appointment still to come (None once it is past or cancelled)."""
    if booking.status in (OnlineBooking.Status.REFUSED, OnlineBooking.Status.CANCELLED):
        return None
    return (
        booking.appointments.filter(
            status=Appointment.Status.BOOKED, during__endswith__gt=now or timezone.now()
        )
        .select_related("office", "type")
        .order_by("-id")
        .first()
    )


def online_cancel(*, booking: OnlineBooking, now: datetime | None = None) -> None:
    """The person cancels their booking through their link."""
    with transaction.atomic():
        booking = OnlineBooking.objects.select_for_update().get(pk=booking.pk)
        appointment = current_appointment(booking, now=now)
        if appointment is None:
            raise BookingError(_("Ce rendez-vous n'est plus à venir."))
        appointment.status = Appointment.Status.CANCELLED
        appointment.reason = _("Annulé en ligne par la personne.")
        appointment.save(update_fields=["status", "reason"])
        if booking.status == OnlineBooking.Status.PENDING:
            booking.status = OnlineBooking.Status.CANCELLED
            booking.save(update_fields=["status"])
        audit.record(
            by=None,
            action="appointments.online_cancel",
            summary=_("Rendez-vous du %(when)s annulé en ligne par la personne")
            % {"when": when_label(appointment)},
            beneficiary=booking.beneficiary,
            obj=appointment,
        )


def online_move(
    *, booking: OnlineBooking, start: datetime, now: datetime | None = None
) -> Appointment:
    """The person moves their booking to another slot offered online at the same office:
    the old appointment is cancelled, the new one remembers it, a new confirmation goes
    (nothing changes if the slot is taken)."""
    now = now or timezone.now()
    with transaction.atomic():
        old = current_appointment(booking, now=now)
        if old is None:
            raise BookingError(_("Ce rendez-vous n'est plus à venir."))
        Office.objects.select_for_update(no_key=True).get(pk=old.office_id)
        old = (
            Appointment.objects.select_for_update().select_related("type", "office").get(pk=old.pk)
        )
        if old.status != Appointment.Status.BOOKED:
            raise BookingError(_("Ce rendez-vous n'est plus à venir."))
        old.status = Appointment.Status.CANCELLED
        old.reason = _("Déplacé en ligne par la personne.")
        old.save(update_fields=["status", "reason"])
        new = _create(
            booking=booking, kind=old.type, office=old.office, start=start, now=now, replaces=old
        )
        audit.record(
            by=None,
            action="appointments.online_move",
            summary=_("Rendez-vous du %(old)s déplacé en ligne au %(new)s")
            % {"old": when_label(old), "new": when_label(new)},
            beneficiary=booking.beneficiary,
            obj=new,
        )
        appointment_messages(purpose=Dispatch.Purpose.CONFIRMATION, appointment=new)
        return new


def online_link(*, booking: OnlineBooking, beneficiary: Beneficiary, by: User) -> None:
    """Reception links an online booking to a file (found, or opened for it): its
    appointments become the file's."""
    with transaction.atomic():
        booking = OnlineBooking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != OnlineBooking.Status.PENDING:
            raise BookingError(_("Cette réservation a déjà été traitée."))
        booking.status = OnlineBooking.Status.LINKED
        booking.beneficiary = beneficiary
        booking.handled_by = by
        booking.handled_at = timezone.now()
        booking.save(update_fields=["status", "beneficiary", "handled_by", "handled_at"])
        try:
            with transaction.atomic():
                booking.appointments.update(beneficiary=beneficiary)
        except IntegrityError as error:
            raise BookingError(
                _("Cette personne a déjà un autre rendez-vous à la même heure.")
            ) from error
        audit.record(
            by=by,
            action="appointments.online_link",
            summary=_("Réservation en ligne de %(name)s rattachée au dossier")
            % {"name": booking.full_name},
            beneficiary=beneficiary,
            obj=booking,
        )


def online_refuse(*, booking: OnlineBooking, message: str, by: User) -> None:
    """Reception refuses an online booking: its appointment is cancelled and the person
    gets ``message`` (why, and what to do instead)."""
    message = message.strip()
    if not message:
        raise BookingError(_("Écrivez le message à la personne : pourquoi, et que faire."))
    if len(message) > OnlineBooking._meta.get_field("message").max_length:  # type: ignore[operator]
        raise BookingError(_("Le message compte au plus 300 caractères."))
    with transaction.atomic():
        booking = OnlineBooking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != OnlineBooking.Status.PENDING:
            raise BookingError(_("Cette réservation a déjà été traitée."))
        appointment = current_appointment(booking)
        booking.status = OnlineBooking.Status.REFUSED
        booking.message = message
        booking.handled_by = by
        booking.handled_at = timezone.now()
        booking.save(update_fields=["status", "message", "handled_by", "handled_at"])
        if appointment is not None:
            appointment.status = Appointment.Status.CANCELLED
            appointment.reason = _("Réservation en ligne refusée.")
            appointment.save(update_fields=["status", "reason"])
        audit.record(
            by=by,
            action="appointments.online_refuse",
            summary=_("Réservation en ligne de %(name)s refusée") % {"name": booking.full_name},
            obj=booking,
            reason=message,
        )
        if appointment is not None:
            ids = []
            channels = [Dispatch.Channel.EMAIL] if booking.email else []
            if settings.CAI_SMS_BACKEND and booking.phone and booking.sms:
                channels.append(Dispatch.Channel.SMS)
            for channel in channels:
                dispatch = Dispatch.objects.create(
                    purpose=Dispatch.Purpose.ONLINE_REFUSAL,
                    appointment=appointment,
                    channel=channel,
                    recipient_kind=Dispatch.Recipient.PERSON,
                    next_attempt_at=timezone.now(),
                )
                ids.append(dispatch.pk)
            dispatch_queue(ids)


def pending_count(offices: list[int]) -> int:
    """Online bookings still to link or refuse at these offices."""
    return (
        OnlineBooking.objects.filter(
            status=OnlineBooking.Status.PENDING,
            appointments__office__in=offices,
            appointments__status__in=ACTIVE_STATUSES,
        )
        .distinct()
        .count()
    )
