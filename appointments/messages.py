"""What the person hears about an appointment: its confirmation and the reminder the day
before, by e-mail and SMS, registered with the outbox (which only carries them). SMS go
only to a person who agreed to them (``ConsentPurpose.SMS_REMINDERS``), checked when the
message is written and again when it is about to go."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from appointments.models import Appointment, Seat
from beneficiaries.contact_languages import (
    BY_CODE,
    for_person,
    languages_written_to,
    translated_for,
)
from beneficiaries.models import Beneficiary, ConsentPurpose
from beneficiaries.selectors import has_consent
from cainamur.lib.localtime import BRUSSELS
from cainamur.lib.phones import is_mobile
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


def _about(dispatch: Dispatch) -> tuple[Appointment, Beneficiary]:
    """The appointment (or group session) and the person a message is about."""
    if dispatch.seat is not None:
        return dispatch.seat.session, dispatch.seat.beneficiary
    assert dispatch.appointment is not None
    # appointment_messages() writes no message about an appointment without a person.
    assert dispatch.appointment.beneficiary is not None
    return dispatch.appointment, dispatch.appointment.beneficiary


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
    appointment, beneficiary = _about(dispatch)
    start = timezone.localtime(appointment.during.lower, BRUSSELS)
    office = appointment.office
    town = f"{office.postal_code} {office.city}".strip()
    place = ", ".join(x for x in (office.street.strip(), town) if x)
    replaced = _replaced(dispatch)
    return {
        "first_names": beneficiary.first_names,
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
        **_translated(dispatch, place=place),
    }


def _translated(dispatch: Dispatch, *, place: str, pattern: str = "%d/%m/%Y") -> dict[str, str]:
    """The line in the person's language (``translated``: "" when none), its language
    and writing direction."""
    appointment, beneficiary = _about(dispatch)
    start = timezone.localtime(appointment.during.lower, BRUSSELS)
    code, line = translated_for(TRANSLATED[dispatch.purpose], languages_written_to(beneficiary))
    return {
        "translated": line.format(
            date=start.strftime(pattern), time=start.strftime("%H:%M"), place=place
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


def person_of(dispatch: Dispatch) -> Beneficiary | None:
    if dispatch.seat is not None:
        return dispatch.seat.beneficiary
    return dispatch.appointment.beneficiary if dispatch.appointment is not None else None


def person_address(dispatch: Dispatch) -> str:
    """The person's e-mail, or mobile number for an SMS, as the file has them today."""
    person = person_of(dispatch)
    if person is None:
        return ""
    if dispatch.channel == Dispatch.Channel.SMS:
        return str(person.phone) if person.phone and is_mobile(person.phone) else ""
    return str(person.email)


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
    if dispatch.channel == Dispatch.Channel.SMS and not sms_allowed(person_of(dispatch)):
        return None  # consent withdrawn since it was queued: it never goes
    return True


def appointment_compose(dispatch: Dispatch) -> EmailMessage | Sms:
    if dispatch.channel == Dispatch.Channel.SMS:
        return appointment_sms(dispatch)
    return appointment_email(dispatch)


def register_messages() -> None:
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
        person: Beneficiary | None = seat.beneficiary
    else:
        assert appointment is not None, "an appointment or a seat"
        person = appointment.beneficiary
    if person is None:
        return []
    channels = []
    if person.email:
        channels.append(Dispatch.Channel.EMAIL)
    if (
        settings.CAI_SMS_BACKEND
        and person.phone
        and is_mobile(person.phone)
        and sms_allowed(person)
    ):
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
