"""Sending outgoing messages, once each.

``dispatch_claim`` locks the row and moves it from ``queued`` to ``sending`` in its own
short transaction; a second delivery of the same task finds it ``sending`` or ``sent`` and
does nothing. The mail goes out outside any transaction, then the row records the outcome.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid
from typing import Any

import phonenumbers
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cainamur.celery import retry_countdown
from cainamur.models import PdfStatus
from outbox.models import Dispatch
from outbox.sms import Sms, SmsRefused, sms_backend

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # already sending or sent: another delivery of the task has it
    NEEDS_ADDRESS = "needs_address"
    RETRY = "retry"
    FAILED = "failed"


class DispatchError(Exception):
    """A refused action on a dispatch, with a message for the user (French)."""


def is_mobile(phone: str) -> bool:
    try:
        number = phonenumbers.parse(phone, "BE")
    except phonenumbers.NumberParseException:
        return False
    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.number_type(number) in kinds


def person_of(dispatch: Dispatch) -> Any:
    if dispatch.seat is not None:
        return dispatch.seat.beneficiary
    return dispatch.appointment.beneficiary if dispatch.appointment is not None else None


def recipient_address(dispatch: Dispatch) -> str:
    """The address the recipient has today (communes and CPAS are edited in the admin; the
    person's e-mail and phone in the file)."""
    if dispatch.recipient_kind == Dispatch.Recipient.PERSON:
        person = person_of(dispatch)
        if person is None:
            return ""
        if dispatch.channel == Dispatch.Channel.SMS:
            return str(person.phone) if person.phone and is_mobile(person.phone) else ""
        return str(person.email)
    if dispatch.recipient_kind == Dispatch.Recipient.CPAS and dispatch.cpas is not None:
        return dispatch.cpas.email
    if dispatch.recipient_kind == Dispatch.Recipient.COMMUNE and dispatch.commune is not None:
        return dispatch.commune.population_email
    return ""


def dispatches_for_attestation(attestation: Any) -> list[Dispatch]:
    """The copies an issued attestation calls for, created with it (same transaction):
    the commune of residence and, when the person receives its support, the CPAS.
    Volunteers get none."""
    if attestation.kind != "obliged":
        return []
    beneficiary = attestation.beneficiary
    rows = [
        Dispatch(
            purpose=Dispatch.Purpose.ATTESTATION_COPY,
            attestation=attestation,
            recipient_kind=Dispatch.Recipient.COMMUNE,
            commune=beneficiary.commune,
        )
    ]
    if beneficiary.cpas_support:
        cpas = beneficiary.cpas or getattr(beneficiary.commune, "cpas", None)
        if cpas is not None:
            rows.append(
                Dispatch(
                    purpose=Dispatch.Purpose.ATTESTATION_COPY,
                    attestation=attestation,
                    recipient_kind=Dispatch.Recipient.CPAS,
                    commune=beneficiary.commune,
                    cpas=cpas,
                )
            )
    for row in rows:
        if not recipient_address(row):
            row.status = Dispatch.Status.NEEDS_ADDRESS
    return Dispatch.objects.bulk_create(rows)


def _ready(dispatch: Dispatch) -> bool | None:
    """Whether what the message carries exists: None = never (the attestation was
    superseded or revoked), False = not yet (its PDF is being rendered)."""
    meeting: Any = dispatch.seat.session if dispatch.seat is not None else dispatch.appointment
    if meeting is not None:
        alive = meeting.status == "booked" and (
            dispatch.seat is None or dispatch.seat.status == "booked"
        )
        start = meeting.during.lower
        if not alive or start <= timezone.now():
            return None  # cancelled, or too late to be of use
        reminder = dispatch.purpose == Dispatch.Purpose.REMINDER
        if reminder and timezone.localtime(start).date() <= timezone.localdate():
            return None  # « demain » would be wrong by now
        return True
    attestation = dispatch.attestation
    if attestation is None:
        return True
    if attestation.status != "valid":
        return None
    return bool(attestation.pdf_status == PdfStatus.READY)


def dispatch_claim(dispatch_id: int) -> Dispatch | None:
    """Lock the row and take it: ``queued`` → ``sending``. None when there is nothing to
    send now: sent, being sent by another delivery, failed, waiting for an address, or its
    PDF not stored yet (the rendering task queues it when it is)."""
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",))
            .select_related(
                "commune",
                "cpas",
                "attestation",
                "appointment__beneficiary",
                "appointment__office",
                "appointment__type",
                "seat__beneficiary",
                "seat__session__office",
                "seat__session__type",
            )
            .filter(pk=dispatch_id)
            .first()
        )
        if dispatch is None or dispatch.status != Dispatch.Status.QUEUED:
            return None
        ready = _ready(dispatch)
        if ready is None:
            dispatch.status = Dispatch.Status.CANCELLED
            dispatch.save(update_fields=["status"])
            return None
        if not ready:
            return None
        address = recipient_address(dispatch)
        if not address:
            dispatch.status = Dispatch.Status.NEEDS_ADDRESS
            dispatch.last_error = _("Le destinataire n'a pas d'adresse e-mail.")
            dispatch.save(update_fields=["status", "last_error"])
            return dispatch
        dispatch.status = Dispatch.Status.SENDING
        dispatch.attempts += 1
        dispatch.sending_since = timezone.now()
        dispatch.to_address = address
        # One Message-ID for the copy, whatever the attempt: if a mail accepted by the
        # server is ever sent again (the worker died before recording it), the recipient's
        # mail system sees the same message.
        dispatch.message_id = dispatch.message_id or make_msgid(
            domain=settings.OUTBOX_MESSAGE_ID_DOMAIN
        )
        dispatch.save(
            update_fields=["status", "attempts", "sending_since", "to_address", "message_id"]
        )
        return dispatch


def compose(dispatch: Dispatch) -> EmailMessage | Sms:
    from outbox.composers import compose_message

    return compose_message(dispatch)


def _permanent(error: BaseException) -> bool:
    """An SMTP answer in the 5xx range: the same message will never be accepted."""
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in error.recipients.values()]
        return bool(codes) and all(500 <= c < 600 for c in codes)
    return isinstance(code, int) and 500 <= code < 600


def _finish(dispatch: Dispatch, error: BaseException, *, retry: bool) -> tuple[Outcome, float]:
    retry_in = retry_countdown(dispatch.attempts - 1) if retry else 0.0
    Dispatch.objects.filter(pk=dispatch.pk).update(
        status=Dispatch.Status.QUEUED if retry else Dispatch.Status.FAILED,
        last_error=f"{type(error).__name__}: {error}"[:500],
        next_attempt_at=timezone.now() + timedelta(seconds=retry_in) if retry else None,
        sending_since=None,
    )
    logger.warning(
        "Dispatch %s: attempt %s failed (%s)%s",
        dispatch.pk,
        dispatch.attempts,
        type(error).__name__,
        ", retry planned" if retry else "",
    )
    return (Outcome.RETRY if retry else Outcome.FAILED), retry_in


def dispatch_send(dispatch_id: int) -> tuple[Outcome, float]:
    """One attempt at sending a dispatch; returns the outcome and, for ``RETRY``, the delay
    after which the caller must try again.

    A passing error (network, SMTP 4xx, time limit) puts the row back in the queue until
    its allowed attempts are used up, then marks it failed; a permanent one (SMTP 5xx, a
    message that cannot be built) marks it failed at once. Nothing leaves it "sending".
    """
    dispatch = dispatch_claim(dispatch_id)
    if dispatch is None:
        return Outcome.SKIPPED, 0.0
    if dispatch.status == Dispatch.Status.NEEDS_ADDRESS:
        return Outcome.NEEDS_ADDRESS, 0.0
    more = dispatch.attempts < dispatch.attempts_allowed
    try:
        message = compose(dispatch)
        if isinstance(message, Sms):
            sms_backend().send(message)
        else:
            message.extra_headers["Message-ID"] = dispatch.message_id
            message.send(fail_silently=False)
    except SoftTimeLimitExceeded as error:
        return _finish(dispatch, error, retry=more)
    except OSError as error:  # smtplib.SMTPException and socket errors are OSErrors
        return _finish(dispatch, error, retry=more and not _permanent(error))
    except SmsRefused as error:
        return _finish(dispatch, error, retry=False)
    except Exception as error:
        logger.exception("Dispatch %s: the message could not be built or sent", dispatch.pk)
        return _finish(dispatch, error, retry=False)
    Dispatch.objects.filter(pk=dispatch.pk).update(
        status=Dispatch.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
        sending_since=None,
    )
    logger.info("Dispatch %s sent", dispatch.pk)
    return Outcome.SENT, 0.0


def dispatches_cancel(attestation_id: int) -> int:
    """The attestation was superseded or revoked: its copies not yet sent never will be."""
    return Dispatch.objects.filter(
        attestation_id=attestation_id,
        status__in=[
            Dispatch.Status.QUEUED,
            Dispatch.Status.FAILED,
            Dispatch.Status.NEEDS_ADDRESS,
        ],
    ).update(status=Dispatch.Status.CANCELLED, next_attempt_at=None)


def dispatch_resend(dispatch: Dispatch, *, by: Any) -> Dispatch:
    """A person puts a failed (or address-less) copy back in the queue; sent after commit."""
    from outbox.tasks import send_dispatch

    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",))
            .select_related("attestation")
            .get(pk=dispatch.pk)
        )
        if not dispatch.resendable:
            raise DispatchError(
                _("Cet envoi est « %(status)s » : il ne peut pas être relancé.")
                % {"status": dispatch.get_status_display()}
            )
        if _ready(dispatch) is None:
            raise DispatchError(
                _("Cette attestation n'est plus valable : sa copie n'est plus envoyée.")
            )
        dispatch.status = Dispatch.Status.QUEUED
        dispatch.next_attempt_at = timezone.now()
        dispatch.failure_reported_at = None
        # A person's resend grants a fresh series of attempts.
        dispatch.attempts_allowed = dispatch.attempts + settings.OUTBOX_MAX_ATTEMPTS
        dispatch.save(
            update_fields=["status", "next_attempt_at", "failure_reported_at", "attempts_allowed"]
        )
        if dispatch.attestation_id is not None:
            from parcours.services import event_log

            attestation = dispatch.attestation
            event_log(
                beneficiary=attestation.beneficiary,  # type: ignore[union-attr]
                parcours=attestation.parcours,  # type: ignore[union-attr]
                by=by,
                message=_("Copie de l'attestation %(number)s relancée vers %(to)s")
                % {"number": attestation.number, "to": dispatch.recipient_name},  # type: ignore[union-attr]
            )
        send_dispatch.delay_on_commit(dispatch.pk)
    return dispatch


def dispatch_queue(dispatch_ids: list[int]) -> None:
    """Queue the sending tasks after commit (no-op for rows another task already has)."""
    from outbox.tasks import send_dispatch

    for dispatch_id in dispatch_ids:
        send_dispatch.delay_on_commit(dispatch_id)


def stale_dispatches() -> tuple[list[int], list[int]]:
    """Rows a dead worker left behind: ``sending`` for longer than any live task could, and
    ``queued`` rows whose (re)try time is long past (their task was lost)."""
    limit = timezone.now() - timedelta(minutes=settings.OUTBOX_STALE_MINUTES)
    stuck = list(
        Dispatch.objects.filter(status=Dispatch.Status.SENDING, sending_since__lt=limit)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    lost = list(
        Dispatch.objects.filter(status=Dispatch.Status.QUEUED)
        .filter(
            Q(next_attempt_at__lt=limit) | Q(next_attempt_at__isnull=True, created_at__lt=limit)
        )
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    return stuck, lost


def dispatch_requeue_stale() -> int:
    """Put stuck rows back in the queue and queue their tasks; returns how many."""
    stuck, lost = stale_dispatches()
    now = timezone.now()
    with transaction.atomic():
        if stuck:
            Dispatch.objects.filter(pk__in=stuck, status=Dispatch.Status.SENDING).update(
                status=Dispatch.Status.QUEUED,
                sending_since=None,
                next_attempt_at=now,
                last_error=_("Reprise : l'envoi précédent ne s'est pas terminé."),
            )
        if lost:
            Dispatch.objects.filter(pk__in=lost).update(next_attempt_at=now)
        dispatch_queue(stuck + lost)
    return len(stuck) + len(lost)


def failures_report() -> int:
    """Tell the coordinators, once, about copies that failed or lack an address."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from cainamur.roles import GROUP_NAMES, Role

    with transaction.atomic():
        rows = list(
            Dispatch.objects.needing_attention()
            .filter(failure_reported_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", "status")
        )
        if not rows:
            return 0
        failed = sum(1 for _pk, status in rows if status == Dispatch.Status.FAILED)
        missing = len(rows) - failed
        logger.warning("Outbox: %s failed, %s without address", failed, missing)
        recipients = list(
            get_user_model()
            .objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.COORDINATOR])
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        if not recipients:
            logger.warning("Outbox: no coordinator with an e-mail address to report to")
            return 0
        link = settings.CAI_PUBLIC_URL + reverse("attestations:dispatches")
        body = _(
            "Bonjour,\n\n"
            "%(failed)s copie(s) d'attestation n'ont pas pu être envoyées et %(missing)s "
            "attendent une adresse e-mail.\n\n"
            "Voir et relancer : %(link)s\n"
        ) % {"failed": failed, "missing": missing, "link": link}
        try:
            EmailMessage(
                subject=_("[CAI] Copies d'attestation à vérifier"), body=body, to=recipients
            ).send(fail_silently=False)
        except OSError:
            logger.warning("Outbox: the failure report could not be mailed; next run")
            return 0
        Dispatch.objects.filter(pk__in=[pk for pk, _status in rows]).update(
            failure_reported_at=timezone.now()
        )
        return len(rows)


def recipient_email_set(dispatch: Dispatch, *, email: str, by: Any) -> int:
    """Record the recipient's address (the commune's population service or the CPAS), then
    resend every copy that was waiting for it. Returns how many were queued again."""
    with transaction.atomic():
        dispatch = Dispatch.objects.select_related("commune", "cpas").get(pk=dispatch.pk)
        if dispatch.recipient_kind == Dispatch.Recipient.CPAS and dispatch.cpas is not None:
            cpas = dispatch.cpas
            cpas.email = email
            cpas.save(update_fields=["email"])
            waiting = Dispatch.objects.filter(cpas=cpas, recipient_kind=Dispatch.Recipient.CPAS)
        else:
            commune = dispatch.commune
            assert commune is not None
            commune.population_email = email
            commune.save(update_fields=["population_email"])
            waiting = Dispatch.objects.filter(
                commune=commune, recipient_kind=Dispatch.Recipient.COMMUNE
            )
        ids = list(
            waiting.filter(status=Dispatch.Status.NEEDS_ADDRESS)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        Dispatch.objects.filter(pk__in=ids).update(
            status=Dispatch.Status.QUEUED,
            next_attempt_at=timezone.now(),
            failure_reported_at=None,
            last_error="",
        )
        logger.info("Recipient address set by user %s; %s copies queued", by.pk, len(ids))
        dispatch_queue(ids)
    return len(ids)


def appointment_messages(*, purpose: str, appointment: Any = None, seat: Any = None) -> list[int]:
    """Create the confirmation or reminder of an appointment (or a group-session seat) on
    each channel the person can be reached by (e-mail; SMS to a mobile number), once each,
    and queue their sending after commit. Returns the ids queued."""
    person = seat.beneficiary if seat is not None else appointment.beneficiary
    if person is None:
        return []
    channels = []
    if person.email:
        channels.append(Dispatch.Channel.EMAIL)
    if settings.CAI_SMS_BACKEND and person.phone and is_mobile(person.phone):
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
