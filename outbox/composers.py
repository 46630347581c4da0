"""What each kind of outgoing message says (French), keyed by its purpose."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cainamur.lib.localtime import BRUSSELS
from cainamur.models import Centre
from outbox.models import Dispatch
from outbox.sms import Sms


def attestation_copy(dispatch: Dispatch) -> EmailMessage:
    attestation = dispatch.attestation
    assert attestation is not None and attestation.pdf, "claimed only once the PDF is stored"
    snapshot = attestation.snapshot
    centre = Centre.current()
    cpas_line = (
        _("Cette personne bénéficie de l'aide de votre CPAS.") + "\n\n"
        if dispatch.recipient_kind == Dispatch.Recipient.CPAS
        else ""
    )
    body = _(
        "Madame, Monsieur,\n\n"
        "En application de l'article 152 du Code wallon de l'Action sociale et de la Santé, "
        "nous vous transmettons en pièce jointe la copie de l'attestation de fréquentation "
        "du parcours d'intégration n° %(number)s, délivrée le %(issued_on)s à %(name)s, "
        "né·e le %(birth)s.\n\n"
        "%(cpas_line)s"
        "Son authenticité peut être vérifiée sur %(verify)s avec son numéro et son code.\n\n"
        "Avec nos salutations distinguées,\n\n"
        "%(centre)s\n%(address)s\n%(phone)s · %(email)s\n"
    ) % {
        "number": attestation.number,
        "issued_on": snapshot["issued_on"],
        "name": snapshot["full_name"],
        "birth": snapshot["birth_date"],
        "cpas_line": cpas_line,
        "verify": snapshot["verify_url"].split("?", 1)[0],
        "centre": centre.name,
        "address": f"{centre.street}, {centre.postal_code} {centre.city}",
        "phone": centre.phone,
        "email": centre.email,
    }
    message = EmailMessage(
        subject=_("Attestation de fréquentation %(number)s — %(name)s")
        % {"number": attestation.number, "name": snapshot["full_name"]},
        body=body,
        to=[dispatch.to_address],
        reply_to=[centre.email],
    )
    with attestation.pdf.open("rb") as handle:
        message.attach(f"{attestation.number}.pdf", handle.read(), "application/pdf")
    return message


# A short line in the person's language, after the French text (the centre's languages of
# first contact). Placeholders: date, time, place.
TRANSLATED = {
    Dispatch.Purpose.CONFIRMATION: {
        "en": "Confirmation: appointment at the CAI on {date} at {time}, {place}.",
        "ar": "تأكيد: لديك موعد في مركز CAI يوم {date} على الساعة {time}، {place}.",
        "uk": "Підтвердження: зустріч у CAI {date} о {time}, {place}.",
    },
    Dispatch.Purpose.REMINDER: {
        "en": "Reminder: appointment at the CAI tomorrow, {date} at {time}, {place}.",
        "ar": "تذكير: لديك موعد في مركز CAI غدًا {date} على الساعة {time}، {place}.",
        "uk": "Нагадування: завтра, {date} о {time}, зустріч у CAI, {place}.",
    },
}


def _about(dispatch: Dispatch) -> tuple[Any, Any]:
    """The appointment (or group session) and the person a message is about."""
    if dispatch.seat is not None:
        return dispatch.seat.session, dispatch.seat.beneficiary
    assert dispatch.appointment is not None
    return dispatch.appointment, dispatch.appointment.beneficiary


def person_language(beneficiary: Any) -> str:
    """The first of the person's languages a translated line exists for, if any."""
    for code in [beneficiary.interpreter_language, *(beneficiary.languages or [])]:
        if code in ("en", "ar", "uk"):
            return str(code)
    return ""


def _facts(dispatch: Dispatch) -> dict[str, str]:
    appointment, beneficiary = _about(dispatch)
    start = timezone.localtime(appointment.during.lower, BRUSSELS)
    office = appointment.office
    place = ", ".join(
        x for x in (office.street, f"{office.postal_code} {office.city}") if x.strip()
    )
    return {
        "first_names": beneficiary.first_names,
        "type": appointment.type.name,
        "date": date_format(start, "l j F Y"),
        "short_date": start.strftime("%d/%m"),
        "time": start.strftime("%H:%M"),
        "place": place,
        "office": office.name,
        "translated": TRANSLATED[dispatch.purpose]  # type: ignore[index]
        .get(person_language(beneficiary), "")
        .format(date=start.strftime("%d/%m/%Y"), time=start.strftime("%H:%M"), place=place),
    }


def appointment_email(dispatch: Dispatch) -> EmailMessage:
    facts = _facts(dispatch)
    centre = Centre.current()
    if dispatch.purpose == Dispatch.Purpose.REMINDER:
        subject = _("Rappel : votre rendez-vous de demain au CAI")
        opening = _(
            "Nous vous rappelons votre rendez-vous « %(type)s » demain, %(date)s à %(time)s."
        )
    else:
        subject = _("Votre rendez-vous au CAI le %(date)s") % facts
        opening = _("Votre rendez-vous « %(type)s » est fixé au %(date)s à %(time)s.")
    body = (
        _("Bonjour %(first_names)s,") % facts
        + "\n\n"
        + opening % facts
        + "\n"
        + _("Adresse : %(place)s (bureau de %(office)s).") % facts
        + "\n\n"
        + _("Pour le déplacer ou l'annuler, appelez le %(phone)s (de 9 h à 16 h).")
        % {"phone": centre.phone}
        + "\n\n"
        + (facts["translated"] + "\n\n" if facts["translated"] else "")
        + centre.name
    )
    return EmailMessage(
        subject=subject, body=body, to=[dispatch.to_address], reply_to=[centre.email]
    )


def appointment_sms(dispatch: Dispatch) -> Sms:
    facts = _facts(dispatch)
    centre = Centre.current()
    if dispatch.purpose == Dispatch.Purpose.REMINDER:
        text = _("CAI Namur : rappel, RDV demain %(short_date)s à %(time)s, %(office)s.") % facts
    else:
        text = _("CAI Namur : RDV « %(type)s » le %(short_date)s à %(time)s, %(office)s.") % facts
    text += " " + _("Pour changer : %(phone)s.") % {"phone": centre.phone}
    if facts["translated"]:
        text += " " + facts["translated"]
    return Sms(to=dispatch.to_address, body=text)


def compose_message(dispatch: Dispatch) -> EmailMessage | Sms:
    if dispatch.purpose == Dispatch.Purpose.ATTESTATION_COPY:
        return attestation_copy(dispatch)
    if dispatch.channel == Dispatch.Channel.SMS:
        return appointment_sms(dispatch)
    return appointment_email(dispatch)
