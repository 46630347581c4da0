"""Links to a person's own page (``/mon-parcours/``), by SMS or e-mail, without a
password: each link works ``CAI_PERSONAL_PAGE_DAYS`` days; only its digest is stored. The
link is written when the message is (never kept in clear, never in a task's arguments)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.contact_languages import (
    BY_CODE,
    for_person,
    languages_written_to,
    translated_for,
)
from beneficiaries.models import Beneficiary, PersonalPageLink
from cainamur import audit
from cainamur.lib.phones import is_mobile
from cainamur.lib.tokens import token_digest, token_short
from cainamur.models import Centre, User
from outbox.emails import email_render
from outbox.models import Dispatch
from outbox.registry import MessageKind, register
from outbox.services import dispatch_queue
from outbox.sms import Sms

#: In the person's language after the French: with the link (e-mail), without (SMS).
PAGE_LINE = for_person("Votre page personnelle au CAI, valable {days} jours : {link}")
PAGE_LINE_SMS = for_person("Le lien ouvre votre page personnelle au CAI, valable {days} jours.")


def page_link_new(beneficiary: Beneficiary, *, now: datetime | None = None) -> str:
    """A new address of the person's page (valid ``CAI_PERSONAL_PAGE_DAYS`` days)."""
    token = token_short()
    PersonalPageLink.objects.create(
        beneficiary=beneficiary,
        token_sha256=token_digest(token),
        expires_at=(now or timezone.now()) + timedelta(days=settings.CAI_PERSONAL_PAGE_DAYS),
    )
    return f"{settings.CAI_PUBLIC_URL}/mon-parcours/{token}/"


def file_by_page_token(token: str, *, now: datetime | None = None) -> Beneficiary | None:
    if not token or len(token) > 64:
        return None
    link = (
        PersonalPageLink.objects.filter(
            token_sha256=token_digest(token), expires_at__gt=now or timezone.now()
        )
        .select_related("beneficiary", "beneficiary__office")
        .first()
    )
    return link.beneficiary if link is not None else None


def files_reached_by(*, phone: str = "", email: str = "") -> list[Beneficiary]:
    """The files whose phone number or e-mail address is this one (a shared phone may
    reach several)."""
    match = Q()
    if phone:
        match |= Q(phone=phone)
    if email:
        match |= Q(email__iexact=email)
    if not match:
        return []
    return list(Beneficiary.objects.filter(match).filter(anonymisation__isnull=True)[:5])


def page_link_send(
    *, beneficiary: Beneficiary, by: User | None, phone: str = "", email: str = ""
) -> list[int]:
    """Send the person a new link to their page: to the number or address they typed
    (when it is the file's), else to every way the file has to reach them. Returns the
    messages queued."""
    channels = []
    if beneficiary.email and (not (phone or email) or email.lower() == beneficiary.email.lower()):
        channels.append(Dispatch.Channel.EMAIL)
    if (
        settings.CAI_SMS_BACKEND
        and beneficiary.phone
        and is_mobile(beneficiary.phone)
        and (not (phone or email) or phone == beneficiary.phone)
    ):
        channels.append(Dispatch.Channel.SMS)
    with transaction.atomic():
        ids = [
            Dispatch.objects.create(
                purpose=Dispatch.Purpose.PAGE_LINK,
                beneficiary=beneficiary,
                channel=channel,
                recipient_kind=Dispatch.Recipient.PERSON,
                next_attempt_at=timezone.now(),
            ).pk
            for channel in channels
        ]
        if ids:
            audit.record(
                by=by,
                action="beneficiaries.page_link_send",
                summary=(
                    _("Lien vers sa page personnelle envoyé")
                    if by is not None
                    else _("Lien vers sa page personnelle demandé par la personne")
                ),
                beneficiary=beneficiary,
            )
        dispatch_queue(ids)
    return ids


def _ready(dispatch: Dispatch) -> bool | None:
    person = dispatch.beneficiary
    alive = (
        person is not None
        and Beneficiary.objects.filter(pk=person.pk, anonymisation__isnull=True).exists()
    )
    return True if alive else None


def _address(dispatch: Dispatch) -> str:
    person = dispatch.beneficiary
    if person is None:
        return ""
    if dispatch.channel == Dispatch.Channel.SMS:
        return str(person.phone) if person.phone and is_mobile(person.phone) else ""
    return str(person.email)


def _compose(dispatch: Dispatch) -> EmailMessage | Sms:
    person = dispatch.beneficiary
    assert person is not None  # _ready
    link = page_link_new(person)
    days = settings.CAI_PERSONAL_PAGE_DAYS
    centre = Centre.current()
    if dispatch.channel == Dispatch.Channel.SMS:
        french = _("CAI Namur : votre page personnelle (valable %(days)s jours) : %(link)s") % {
            "days": days,
            "link": link,
        }
        _code, short = translated_for(PAGE_LINE_SMS, languages_written_to(person))
        return Sms(to=dispatch.to_address, body=f"{french} {short.format(days=days)}".strip())
    code, line = translated_for(PAGE_LINE, languages_written_to(person))
    translated = line.format(days=days, link=link) if line else ""
    return email_render(
        "page_link",
        {
            "first_names": person.first_names,
            "link": link,
            "days": days,
            "translated": translated,
            "translated_language": code,
            "translated_direction": BY_CODE[code].direction if code else "ltr",
            "centre": centre,
        },
        to=[dispatch.to_address],
        reply_to=[centre.email],
    )


def register_messages() -> None:
    register(
        MessageKind(
            purpose=Dispatch.Purpose.PAGE_LINK,
            ready=_ready,
            address=_address,
            compose=_compose,
            related=("beneficiary",),
        )
    )
