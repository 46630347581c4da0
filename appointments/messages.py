"""What the person hears about an appointment: its confirmation and the reminder the day
before, by e-mail and SMS, registered with the outbox (which only carries them). SMS go
only to a person who agreed to them (``ConsentPurpose.SMS_REMINDERS``), checked when the
message is written and again when it is about to go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from appointments.models import Appointment, BookingLink, OnlineBooking, Seat
from beneficiaries.contact_languages import (
    BY_CODE,
    for_person,
    languages_written_to,
    translated_for,
    translation_of,
)
from beneficiaries.models import Beneficiary, ConsentPurpose
from beneficiaries.selectors import has_consent
from cainamur.lib.localtime import BRUSSELS
from cainamur.lib.phones import is_mobile
from cainamur.lib.tokens import token_digest, token_short
from cainamur.models import Centre
from outbox.emails import email_render
from outbox.models import Dispatch
from outbox.registry import MessageKind, register
from outbox.services import dispatch_queue
from outbox.sms import Sms, gsm7, sms_segments

# An SMS in the GSM alphabet stays within two segments (320 characters at most).
SMS_SEGMENTS = 2

RELATED = (
    "appointment__beneficiary",
    "appointment__online_booking",
    "appointment__office",
    "appointment__type",
    "appointment__rescheduled_from",
    "seat__beneficiary",
    "seat__session__office",
    "seat__session__type",
)


# A short line in the person's language after the French text, from the catalogues
# (locale/): the French sentence is the msgid. Placeholders: date, time, place.
TRANSLATED: dict[str, str] = {
    Dispatch.Purpose.CONFIRMATION: for_person(
        "Confirmation : rendez-vous au CAI le {date} à {time}, {place}."
    ),
    Dispatch.Purpose.REMINDER: for_person(
        "Rappel : rendez-vous au CAI demain, {date} à {time}, {place}."
    ),
}
#: After it, in the person's language, for a booking they made online.
LINK_LINE = for_person("Pour déplacer ou annuler ce rendez-vous : {link}")


@dataclass(frozen=True)
class Contact:
    """Whom a message about an appointment goes to: the file's person, or, for a booking
    made online and not yet linked to a file, the person as they described themselves."""

    first_names: str
    email: str
    phone: str
    languages: list[str]  # to write to, by preference
    sms: bool  # agreed to SMS
    booking: OnlineBooking | None  # booked online: its messages carry the private link


def file_contact(person: Beneficiary, booking: OnlineBooking | None = None) -> Contact:
    return Contact(
        first_names=person.first_names,
        email=person.email,
        phone=str(person.phone),
        languages=languages_written_to(person),
        # (A message composed for a preview has no saved file to hold a consent.)
        sms=sms_allowed(person) if person.pk else False,
        booking=booking,
    )


def contact_of(appointment: Appointment) -> Contact | None:
    booking = appointment.online_booking
    if booking is not None and booking.status in (
        OnlineBooking.Status.REFUSED,
        OnlineBooking.Status.CANCELLED,
    ):
        booking = None
    if appointment.beneficiary is not None:
        return file_contact(appointment.beneficiary, booking)
    if booking is None:
        return None
    return Contact(
        first_names=booking.first_names,
        email=booking.email,
        phone=booking.phone,
        languages=[booking.language],
        sms=booking.sms,
        booking=booking,
    )


def booking_link(booking: OnlineBooking) -> str:
    """A new private address to move or cancel an online booking (each message has its
    own; only its digest is stored)."""
    token = token_short()
    BookingLink.objects.create(booking=booking, token_sha256=token_digest(token))
    return f"{settings.CAI_PUBLIC_URL}/rdv/g/{token}/"


def _about(dispatch: Dispatch) -> tuple[Appointment, Contact]:
    """The appointment (or group session) and the person a message is about."""
    if dispatch.seat is not None:
        return dispatch.seat.session, file_contact(dispatch.seat.beneficiary)
    assert dispatch.appointment is not None
    contact = contact_of(dispatch.appointment)
    # appointment_messages() writes no message about an appointment without a person.
    assert contact is not None
    return dispatch.appointment, contact


def day_in_words(moment: datetime, *, year: bool = True) -> str:
    """« mardi 8 décembre 2026 » (« 1er » for the first of the month), in French."""
    local_moment = timezone.localtime(moment, BRUSSELS)
    day = r"\1\e\r" if local_moment.day == 1 else "j"
    with translation.override("fr"):
        return date_format(local_moment, f"l {day} F{' Y' if year else ''}")


def time_in_words(moment: datetime) -> str:
    """« 9 h 30 », « 14 h »: the time as French texts write it."""
    local_moment = timezone.localtime(moment, BRUSSELS)
    if local_moment.minute:
        return f"{local_moment.hour} h {local_moment.minute:02d}"
    return f"{local_moment.hour} h"


def when_in_words(moment: datetime, *, year: bool = True) -> str:
    """« mardi 8 décembre 2026 à 9 h 30 »."""
    with translation.override("fr"):
        return _("%(day)s à %(time)s") % {
            "day": day_in_words(moment, year=year),
            "time": time_in_words(moment),
        }


def _replaced(dispatch: Dispatch) -> Appointment | None:
    """The appointment this one replaces after a reschedule (seats have none: a person
    changes session by cancelling the seat)."""
    return dispatch.appointment.rescheduled_from if dispatch.appointment is not None else None


def _facts(dispatch: Dispatch) -> dict[str, str]:
    appointment, contact = _about(dispatch)
    start = timezone.localtime(appointment.during.lower, BRUSSELS)
    office = appointment.office
    town = f"{office.postal_code} {office.city}".strip()
    place = ", ".join(x for x in (office.street.strip(), town) if x)
    replaced = _replaced(dispatch)
    # Written once per message (a new private link each time).
    link = booking_link(contact.booking) if contact.booking is not None else ""
    return {
        "first_names": contact.first_names,
        "type": appointment.type.name,
        "date": day_in_words(start),
        "time": time_in_words(start),
        "when": when_in_words(start),
        "short_when": when_in_words(start, year=False),
        "place": place,
        "short_place": ", ".join(x for x in (office.street.strip(), office.city) if x),
        "office": office.name,
        "city": office.city,
        "access": office.access,
        "bring": appointment.type.bring,
        "replaced": when_in_words(replaced.during.lower) if replaced is not None else "",
        "short_replaced": (
            when_in_words(replaced.during.lower, year=False) if replaced is not None else ""
        ),
        "link": link,
        **_translated(dispatch, place=place, link=link),
    }


def _translated(
    dispatch: Dispatch, *, place: str, link: str = "", pattern: str = "%d/%m/%Y"
) -> dict[str, str]:
    """The line in the person's language (``translated``: "" when none), its language
    and writing direction."""
    appointment, contact = _about(dispatch)
    start = timezone.localtime(appointment.during.lower, BRUSSELS)
    code, line = translated_for(TRANSLATED[dispatch.purpose], contact.languages)
    return {
        "translated": line.format(
            date=start.strftime(pattern), time=start.strftime("%H:%M"), place=place
        ),
        "translated_link": (
            translation_of(LINK_LINE, code).format(link=link) if code and link else ""
        ),
        "translated_language": code,
        "translated_direction": BY_CODE[code].direction if code else "ltr",
    }


def appointment_email(dispatch: Dispatch) -> EmailMessage:
    facts = _facts(dispatch)
    centre = Centre.current()
    name = (
        "appointment_reminder"
        if dispatch.purpose == Dispatch.Purpose.REMINDER
        else ("appointment_confirmation")
    )
    return email_render(
        name, {**facts, "centre": centre}, to=[dispatch.to_address], reply_to=[centre.email]
    )


def contact_for(dispatch: Dispatch) -> Contact | None:
    if dispatch.seat is not None:
        return file_contact(dispatch.seat.beneficiary)
    return contact_of(dispatch.appointment) if dispatch.appointment is not None else None


def person_address(dispatch: Dispatch) -> str:
    """The person's e-mail, or mobile number for an SMS, as the file (or the online
    booking) has them today."""
    contact = contact_for(dispatch)
    if contact is None:
        return ""
    if dispatch.channel == Dispatch.Channel.SMS:
        return contact.phone if contact.phone and is_mobile(contact.phone) else ""
    return contact.email


def sms_allowed(person: Beneficiary | None) -> bool:
    """SMS reminders are not required by the path: only with the person's consent."""
    return person is not None and has_consent(person, ConsentPurpose.SMS_REMINDERS)


def appointment_message_ready(dispatch: Dispatch) -> bool | None:
    """None once the appointment (or the seat) is cancelled or past, or, for a reminder,
    once « demain » would be wrong, or, for an SMS, once the person has withdrawn their
    consent to them."""
    meeting = dispatch.seat.session if dispatch.seat is not None else dispatch.appointment
    if meeting is None:
        return None
    alive = meeting.status == Appointment.Status.BOOKED and (
        dispatch.seat is None or dispatch.seat.status == Seat.Status.BOOKED
    )
    start = meeting.during.lower
    if not alive or start <= timezone.now():
        return None  # cancelled, or too late to be of use
    reminder = dispatch.purpose == Dispatch.Purpose.REMINDER
    if reminder and timezone.localtime(start).date() <= timezone.localdate():
        return None  # « demain » would be wrong by now
    contact = contact_for(dispatch)
    if contact is None:
        return None  # an online booking refused or cancelled
    if dispatch.channel == Dispatch.Channel.SMS and not contact.sms:
        return None  # consent withdrawn since it was queued: it never goes
    return True


def appointment_compose(dispatch: Dispatch) -> EmailMessage | Sms:
    if dispatch.channel == Dispatch.Channel.SMS:
        return appointment_sms(dispatch)
    return appointment_email(dispatch)


#: To a person whose online booking reception refused; the centre's message follows.
REFUSAL_LINE = for_person(
    "Votre rendez-vous du {date} à {time} au CAI n'a pas pu être accepté. Le message du "
    "CAI suit, en français."
)


def _refused(dispatch: Dispatch) -> OnlineBooking | None:
    booking = dispatch.appointment.online_booking if dispatch.appointment is not None else None
    return (
        booking if booking is not None and booking.status == OnlineBooking.Status.REFUSED else None
    )


def refusal_ready(dispatch: Dispatch) -> bool | None:
    return True if _refused(dispatch) is not None else None


def refusal_address(dispatch: Dispatch) -> str:
    booking = _refused(dispatch)
    if booking is None:
        return ""
    if dispatch.channel == Dispatch.Channel.SMS:
        return booking.phone if booking.phone and is_mobile(booking.phone) else ""
    return booking.email


def refusal_compose(dispatch: Dispatch) -> EmailMessage | Sms:
    """The centre's message (typed by reception, in French), after a line in the person's
    language saying what it is about."""
    booking = _refused(dispatch)
    assert booking is not None and dispatch.appointment is not None  # refusal_ready
    start = timezone.localtime(dispatch.appointment.during.lower, BRUSSELS)
    centre = Centre.current()
    translated = translation_of(REFUSAL_LINE, booking.language).format(
        date=start.strftime("%d/%m/%Y"), time=start.strftime("%H:%M")
    )
    facts = {
        "first_names": booking.first_names,
        "when": when_in_words(start),
        "short_when": when_in_words(start, year=False),
        "message": booking.message,
        "phone": centre.phone,
        "translated": translated,
        "translated_language": booking.language,
        "translated_direction": BY_CODE[booking.language].direction,
    }
    if dispatch.channel == Dispatch.Channel.SMS:
        french = _(
            "CAI Namur : votre RDV du %(short_when)s n'a pas pu être accepté. %(message)s "
            "Contact : %(phone)s."
        )
        return Sms(
            # The line in the person's language first: it announces the French message.
            to=dispatch.to_address,
            body=" ".join(x for x in (translated, french % facts) if x),
        )
    return email_render(
        "online_refusal",
        {**facts, "centre": centre},
        to=[dispatch.to_address],
        reply_to=[centre.email],
    )


def register_messages() -> None:
    register(
        MessageKind(
            purpose=Dispatch.Purpose.ONLINE_REFUSAL,
            ready=refusal_ready,
            address=refusal_address,
            compose=refusal_compose,
            related=RELATED,
        )
    )
    for purpose in (Dispatch.Purpose.CONFIRMATION, Dispatch.Purpose.REMINDER):
        register(
            MessageKind(
                purpose=purpose,
                ready=appointment_message_ready,
                address=person_address,
                compose=appointment_compose,
                related=RELATED,
            )
        )


def appointment_sms(dispatch: Dispatch) -> Sms:
    """Short: when (in words), where (street and town), the replaced appointment while
    it is still to come, the number to call, then the line in the person's language (cut
    to the date, time and town: the street is in the French part). In the GSM alphabet:
    two segments of 160 characters, the appointment's type only when they still hold it.
    A line in Arabic or Ukrainian makes the SMS Unicode (70 characters a segment): up to
    four."""
    facts = _facts(dispatch)
    centre = Centre.current()
    if dispatch.purpose == Dispatch.Purpose.REMINDER:
        heads = [_("CAI Namur : rappel, RDV demain, %(short_when)s, %(short_place)s.")]
    else:
        heads = [
            _("CAI Namur : RDV %(type)s le %(short_when)s, %(short_place)s."),
            _("CAI Namur : RDV le %(short_when)s, %(short_place)s."),
        ]
    tail = []
    replaced = _replaced(dispatch)
    if replaced is not None and replaced.during.lower > timezone.now():
        # Only while the person could still go to it: the e-mails always say it.
        tail.append(_("RDV du %(short_replaced)s annulé.") % facts)
    if facts["link"]:
        tail.append(_("Changer ou annuler : %(link)s") % facts)
    else:
        tail.append(_("Pour changer : %(phone)s.") % {"phone": centre.phone})
    translated = _translated(dispatch, place=facts["city"], pattern="%d/%m")["translated"]
    if translated:
        tail.append(translated)
    bodies = [gsm7(" ".join([head % facts, *tail])) for head in heads]
    body = next((b for b in bodies if sms_segments(b) <= SMS_SEGMENTS), bodies[-1])
    return Sms(to=dispatch.to_address, body=body)


def appointment_messages(
    *, purpose: str, appointment: Appointment | None = None, seat: Seat | None = None
) -> list[int]:
    """Create the confirmation or reminder of an appointment (or a group-session seat) on
    each channel the person can be reached by (e-mail; SMS to a mobile number, with their
    consent), once each, and queue their sending after commit. Returns the ids queued."""
    if seat is not None:
        contact: Contact | None = file_contact(seat.beneficiary)
    else:
        assert appointment is not None, "an appointment or a seat"
        contact = contact_of(appointment)
    if contact is None:
        return []
    channels = []
    if contact.email:
        channels.append(Dispatch.Channel.EMAIL)
    if settings.CAI_SMS_BACKEND and contact.phone and is_mobile(contact.phone) and contact.sms:
        channels.append(Dispatch.Channel.SMS)
    ids = []
    for channel in channels:
        dispatch, created = Dispatch.objects.get_or_create(
            purpose=purpose,
            appointment=appointment if seat is None else None,
            seat=seat,
            channel=channel,
            defaults={
                "recipient_kind": Dispatch.Recipient.PERSON,
                "next_attempt_at": timezone.now(),
            },
        )
        if created:
            ids.append(dispatch.pk)
    dispatch_queue(ids)
    return ids
