"""The invitation to the welcome module: a letter per person, all in one PDF to print, and
the same words by e-mail through the outbox (registered here as a message kind)."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.messages import when_in_words
from appointments.models import Appointment, AppointmentType
from beneficiaries.contact_languages import (
    BY_CODE,
    for_person,
    languages_written_to,
    whole_translation,
)
from beneficiaries.models import Beneficiary
from bulk.models import BulkAction
from cainamur.models import Centre
from cainamur.pdf import centre_snapshot, render_pdf
from offices.models import Office
from outbox.emails import email_render
from outbox.models import Dispatch
from outbox.registry import MessageKind, register

#: What the person brings when no session type says it (the welcome appointment's text).
DEFAULT_BRING = (
    "Apportez votre titre de séjour (ou l'annexe reçue de la commune), votre passeport ou "
    "votre carte d'identité, et cette lettre."
)
RELATED = (
    "bulk_item__beneficiary__office",
    "bulk_item__beneficiary__commune",
    "bulk_item__action__session__office",
    "bulk_item__action__session__type",
)


def _place(office: Office) -> str:
    town = f"{office.postal_code} {office.city}".strip()
    return ", ".join(part for part in (office.street.strip(), town) if part)


def _bring(session: Appointment | None) -> str:
    if session is not None and session.type.bring:
        return session.type.bring
    welcome = AppointmentType.objects.filter(code="welcome").values_list("bring", flat=True)
    return next(iter(welcome), "") or DEFAULT_BRING


#: The invitation's paragraphs in French, each the key of its translation (locale/).
#: Placeholders: {first_names}, {type}, {when}, {office}, {place}, {access}, {phone}.
PARAGRAPHS: Final[dict[str, str]] = {
    "title": for_person("Invitation au module d'accueil"),
    "greeting": for_person("Bonjour {first_names},"),
    "welcome": for_person(
        "Bienvenue en Wallonie. Le parcours d'intégration commence par le module d'accueil "
        "au Centre d'Action Interculturelle : un bilan social, une information sur vos "
        "droits et devoirs et, si besoin, un test de français. Il est gratuit."
    ),
    "session": for_person(
        "Nous vous invitons à la séance « {type} » le {when}, au bureau de {office} ({place})."
    ),
    "access": for_person("Comment venir : {access}"),
    "other_day": for_person(
        "Si vous ne pouvez pas venir ce jour-là, appelez-nous au {phone} : nous fixerons un "
        "autre moment."
    ),
    "call": for_person(
        "Prenez rendez-vous au {phone} ou en passant au bureau de {office} ({place})."
    ),
    "bring": for_person("À apporter :"),
    "bring_french": for_person("ce que dit la lettre en français, ci-dessus."),
    "interpreter": for_person(
        "Un·e interprète peut être présent·e sur demande : dites-le-nous en prenant contact."
    ),
}


def _paragraphs(*, session: bool, access: bool) -> dict[str, str]:
    """The paragraphs this person's invitation has (a session named or not)."""
    left_out = {"call"} if session else {"session", "access", "other_day"}
    if not access:
        left_out.add("access")
    return {key: text for key, text in PARAGRAPHS.items() if key not in left_out}


def _in_language(
    beneficiary: Beneficiary, french: dict[str, str], values: dict[str, str]
) -> dict[str, Any]:
    """The invitation in the person's language (the file's contact language, else the
    first of their languages), whole or not at all; dates and places isolated in a text
    written right to left."""
    written, texts = whole_translation(french, languages_written_to(beneficiary))
    if not written:
        return {}
    language = BY_CODE[written]
    if language.rtl:
        values = {key: f"\u2068{value}\u2069" for key, value in values.items()}
    return {
        "language": written,
        "language_name": str(language.french),
        "rtl": language.rtl,
        "texts": {key: text.format(**values) for key, text in texts.items()},
    }


def invitation_facts(
    beneficiary: Beneficiary, *, session: Appointment | None, centre: Centre, bring: str
) -> dict[str, Any]:
    """What a letter and an e-mail say to one person, as plain values: the French
    paragraphs and, where the catalogues have all of them, the same in the person's
    language (``translated``)."""
    office = beneficiary.office
    facts: dict[str, Any] = {
        "file_number": beneficiary.file_number,
        "first_names": beneficiary.first_names,
        "full_name": beneficiary.full_name,
        "street": beneficiary.street,
        "city": f"{beneficiary.postal_code} {beneficiary.commune.name}".strip(),
        "office": office.name,
        "place": _place(office),
        "phone": office.phone or centre.phone,
        "bring": bring,
        "session": None,
    }
    values = {
        "first_names": beneficiary.first_names,
        "phone": facts["phone"],
        "office": office.name,
        "place": facts["place"],
        "type": "",
        "when": "",
        "access": "",
    }
    if session is not None:
        facts["session"] = {
            "type": session.type.name,
            "when": when_in_words(session.during.lower),
            "office": session.office.name,
            "place": _place(session.office),
            "access": session.office.access,
        }
        values |= {
            "type": session.type.name,
            "office": session.office.name,
            "place": _place(session.office),
            "access": session.office.access,
        }
    chosen = _paragraphs(session=session is not None, access=bool(values["access"]))
    in_french = dict(values)
    if session is not None:
        in_french["when"] = facts["session"]["when"]
        # In the translation the time goes in figures (the words are French ones).
        values["when"] = f"{timezone.localtime(session.during.lower):%d/%m/%Y %H:%M}"
    facts["french"] = {
        key: text.format(**in_french) for key, text in chosen.items() if key != "bring_french"
    }
    facts["translated"] = _in_language(beneficiary, chosen, values)
    return facts


def letters_pdf(action: BulkAction, people: list[Beneficiary]) -> bytes:
    """One PDF, one letter (one page) per person, in the order of the selection."""
    centre = Centre.current()
    bring = _bring(action.session)
    on: date = timezone.localtime(action.created_at).date()
    return render_pdf(
        "pdf/welcome_invitation.html",
        {
            "centre": centre_snapshot(centre),
            "on": f"{on:%d/%m/%Y}",
            "letters": [
                invitation_facts(person, session=action.session, centre=centre, bring=bring)
                for person in people
            ],
        },
    )


# ---------------------------------------------------------------- the e-mail, by the outbox


def _person(dispatch: Dispatch) -> Beneficiary | None:
    item = dispatch.bulk_item
    return item.beneficiary if item is not None else None


def invitation_address(dispatch: Dispatch) -> str:
    person = _person(dispatch)
    return str(person.email) if person is not None else ""


def invitation_ready(dispatch: Dispatch) -> bool | None:
    """None once the session it names is cancelled or past (the words would be wrong)."""
    item = dispatch.bulk_item
    if item is None:
        return None
    session = item.action.session
    if session is not None and (
        session.status != Appointment.Status.BOOKED or session.during.lower <= timezone.now()
    ):
        return None
    return True


def invitation_email(dispatch: Dispatch) -> EmailMessage:
    item = dispatch.bulk_item
    assert item is not None  # the registered kind is only for these rows
    centre = Centre.current()
    session = item.action.session
    facts = invitation_facts(
        item.beneficiary, session=session, centre=centre, bring=_bring(session)
    )
    return email_render(
        "welcome_invitation",
        {**facts, "centre": centre},
        to=[dispatch.to_address],
        reply_to=[centre.email],
    )


def register_messages() -> None:
    register(
        MessageKind(
            purpose=Dispatch.Purpose.WELCOME_INVITATION,
            ready=invitation_ready,
            address=invitation_address,
            compose=invitation_email,
            related=RELATED,
            gone=_("La séance annoncée est passée ou annulée : l'invitation ne part plus."),
        )
    )
