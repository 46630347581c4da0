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

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cainamur.celery import queue_on_commit, retry_countdown
from cainamur.models import User, WorkerHeartbeat
from outbox import registry
from outbox.models import Dispatch
from outbox.sms import Sms, SmsRefused, sms_backend

logger = logging.getLogger(__name__)

SEND_TASK = "outbox.tasks.send_dispatch"


class Outcome(enum.Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # already sending or sent: another delivery of the task has it
    NEEDS_ADDRESS = "needs_address"
    RETRY = "retry"
    FAILED = "failed"


class DispatchError(Exception):
    """A refused action on a dispatch, with a message for the user (French)."""


class DispatchNeedsAddress(DispatchError):
    """A resend refused because the recipient has no address today: sending again would
    only put the row back to « adresse manquante »."""


def dispatch_claim(dispatch_id: int, *, worker: str = "") -> Dispatch | None:
    """Lock the row and take it: ``queued`` → ``sending`` (by ``worker``, the Celery
    worker's name). None when there is nothing to send now: sent, being sent by another
    delivery, failed, waiting for an address, or its PDF not stored yet (the rendering task
    queues it when it is)."""
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",))
            .select_related("commune", "cpas", *registry.related_paths())
            .filter(pk=dispatch_id)
            .first()
        )
        if dispatch is None or dispatch.status != Dispatch.Status.QUEUED:
            return None
        kind = registry.kind_of(dispatch.purpose)
        ready = kind.ready(dispatch)
        if ready is None:
            dispatch.status = Dispatch.Status.CANCELLED
            dispatch.save(update_fields=["status"])
            return None
        if not ready:
            return None
        address = kind.address(dispatch)
        if not address:
            dispatch.status = Dispatch.Status.NEEDS_ADDRESS
            dispatch.last_error = _("Le destinataire n'a pas d'adresse e-mail.")
            dispatch.save(update_fields=["status", "last_error"])
            return dispatch
        dispatch.status = Dispatch.Status.SENDING
        dispatch.attempts += 1
        dispatch.sending_since = timezone.now()
        dispatch.sending_by = worker
        dispatch.to_address = address
        # One Message-ID for the copy, whatever the attempt: if a mail accepted by the
        # server is ever sent again (the worker died before recording it), the recipient's
        # mail system sees the same message.
        dispatch.message_id = dispatch.message_id or make_msgid(
            domain=settings.OUTBOX_MESSAGE_ID_DOMAIN
        )
        dispatch.save(
            update_fields=[
                "status",
                "attempts",
                "sending_since",
                "sending_by",
                "to_address",
                "message_id",
            ]
        )
        return dispatch


def compose(dispatch: Dispatch) -> EmailMessage | Sms:
    return registry.kind_of(dispatch.purpose).compose(dispatch)


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


def dispatch_send(dispatch_id: int, *, worker: str = "") -> tuple[Outcome, float]:
    """One attempt at sending a dispatch; returns the outcome and, for ``RETRY``, the delay
    after which the caller must try again.

    A passing error (network, SMTP 4xx, time limit) puts the row back in the queue until
    its allowed attempts are used up, then marks it failed; a permanent one (SMTP 5xx, a
    message that cannot be built) marks it failed at once. Nothing leaves it "sending".
    """
    dispatch = dispatch_claim(dispatch_id, worker=worker)
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


def dispatch_resend(*, dispatch: Dispatch, by: User) -> Dispatch:
    """A person puts a failed (or address-less) copy back in the queue; sent after commit.
    Refused (``DispatchNeedsAddress``) while the recipient still has no address."""
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",))
            .select_related("commune", "cpas", *registry.related_paths())
            .get(pk=dispatch.pk)
        )
        kind = registry.kind_of(dispatch.purpose)
        if not dispatch.resendable:
            raise DispatchError(
                _("Cet envoi est « %(status)s » : il ne peut pas être relancé.")
                % {"status": dispatch.get_status_display()}
            )
        if kind.ready(dispatch) is None:
            raise DispatchError(
                str(kind.gone)
                or _("Ce message n'a plus d'objet (ce qu'il annonçait a été annulé ou remplacé).")
            )
        if not kind.address(dispatch):
            raise DispatchNeedsAddress(
                _("Adresse manquante : saisissez l'adresse du destinataire avant de relancer.")
            )
        dispatch.status = Dispatch.Status.QUEUED
        dispatch.next_attempt_at = timezone.now()
        dispatch.failure_reported_at = None
        # A person's resend grants a fresh series of attempts.
        dispatch.attempts_allowed = dispatch.attempts + settings.OUTBOX_MAX_ATTEMPTS
        dispatch.save(
            update_fields=["status", "next_attempt_at", "failure_reported_at", "attempts_allowed"]
        )
        if kind.on_resend is not None:
            kind.on_resend(dispatch, by=by)
        queue_on_commit(SEND_TASK, dispatch.pk)
    return dispatch


def dispatch_queue(dispatch_ids: list[int]) -> None:
    """Queue the sending tasks after commit (no-op for rows another task already has)."""
    for dispatch_id in dispatch_ids:
        queue_on_commit(SEND_TASK, dispatch_id)


#: A queued row whose (re)try time is this long past lost its task (a worker died holding
#: it, or the broker was down when it was queued). Sending it twice sends one mail.
LOST_AFTER = timedelta(minutes=2)


def stale_dispatches() -> tuple[list[int], list[int]]:
    """Rows a dead worker or a broker outage left behind: ``sending`` by a worker that has
    started again since (its heartbeat says so), or for longer than any live task could;
    and ``queued`` rows whose (re)try time is past by ``LOST_AFTER`` (their task was lost)."""
    now = timezone.now()
    limit = now - timedelta(minutes=settings.OUTBOX_STALE_MINUTES)
    restarted = WorkerHeartbeat.objects.filter(
        hostname=OuterRef("sending_by"), started_at__gt=OuterRef("sending_since")
    )
    stuck = list(
        Dispatch.objects.filter(status=Dispatch.Status.SENDING)
        .filter(Q(sending_since__lt=limit) | Q(Exists(restarted)))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    lost_limit = now - LOST_AFTER
    lost = list(
        Dispatch.objects.filter(status=Dispatch.Status.QUEUED)
        .filter(
            Q(next_attempt_at__lt=lost_limit)
            | Q(next_attempt_at__isnull=True, created_at__lt=lost_limit)
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
                sending_by="",
                next_attempt_at=now,
                last_error=_("Reprise : l'envoi précédent ne s'est pas terminé."),
            )
        if lost:
            Dispatch.objects.filter(pk__in=lost).update(next_attempt_at=now)
        dispatch_queue(stuck + lost)
    return len(stuck) + len(lost)
