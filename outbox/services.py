"""Sending outgoing messages, once each.

``dispatch_claim`` locks the row and moves it from ``queued`` to ``sending`` in its own
short transaction; a second delivery of the same task finds it ``sending`` or ``sent`` and
does nothing. The mail goes out outside any transaction, then the row records the outcome.
"""

from __future__ import annotations

import enum
import logging
from datetime import timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.models import Dispatch

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # already sending or sent: another delivery of the task has it
    NEEDS_ADDRESS = "needs_address"
    RETRY = "retry"
    FAILED = "failed"


class DispatchError(Exception):
    """A refused action on a dispatch, with a message for the user (French)."""


def recipient_address(dispatch: Dispatch) -> str:
    """The address the recipient has today (communes and CPAS are edited in the admin)."""
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


def dispatch_claim(dispatch_id: int) -> Dispatch | None:
    """Lock the row and take it: ``queued`` → ``sending``. None if it is not queued (sent,
    being sent by another delivery, failed or waiting for an address)."""
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",))
            .select_related("commune", "cpas")
            .filter(pk=dispatch_id)
            .first()
        )
        if dispatch is None or dispatch.status != Dispatch.Status.QUEUED:
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
        dispatch.message_id = make_msgid(domain=settings.OUTBOX_MESSAGE_ID_DOMAIN)
        dispatch.save(
            update_fields=["status", "attempts", "sending_since", "to_address", "message_id"]
        )
        return dispatch


def compose(dispatch: Dispatch) -> EmailMessage:
    from outbox.composers import COMPOSERS

    return COMPOSERS[dispatch.purpose](dispatch)


def dispatch_send(dispatch_id: int, *, last_attempt: bool, retry_in: float = 0) -> Outcome:
    """One attempt at sending a dispatch. On an SMTP or network error the row goes back to
    ``queued`` (``RETRY``: the caller schedules the retry) or, on the last attempt, to
    ``failed``."""
    dispatch = dispatch_claim(dispatch_id)
    if dispatch is None:
        return Outcome.SKIPPED
    if dispatch.status == Dispatch.Status.NEEDS_ADDRESS:
        return Outcome.NEEDS_ADDRESS
    try:
        message = compose(dispatch)
    except Exception as error:
        logger.exception("Dispatch %s: message could not be composed", dispatch.pk)
        Dispatch.objects.filter(pk=dispatch.pk).update(
            status=Dispatch.Status.FAILED,
            last_error=f"{type(error).__name__}: {error}"[:500],
            sending_since=None,
        )
        return Outcome.FAILED
    try:
        message.extra_headers["Message-ID"] = dispatch.message_id
        message.send(fail_silently=False)
    except OSError as error:  # smtplib.SMTPException and socket errors are OSErrors
        failed = last_attempt
        Dispatch.objects.filter(pk=dispatch.pk).update(
            status=Dispatch.Status.FAILED if failed else Dispatch.Status.QUEUED,
            last_error=f"{type(error).__name__}: {error}"[:500],
            next_attempt_at=None if failed else timezone.now() + timedelta(seconds=retry_in),
            sending_since=None,
        )
        logger.warning(
            "Dispatch %s: attempt %s failed (%s)", dispatch.pk, dispatch.attempts, type(error)
        )
        return Outcome.FAILED if failed else Outcome.RETRY
    Dispatch.objects.filter(pk=dispatch.pk).update(
        status=Dispatch.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
        sending_since=None,
    )
    logger.info("Dispatch %s sent", dispatch.pk)
    return Outcome.SENT


def dispatch_resend(dispatch: Dispatch, *, by: Any) -> Dispatch:
    """A person puts a failed (or address-less) copy back in the queue; sent after commit."""
    from outbox.tasks import send_dispatch

    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if not dispatch.resendable:
            raise DispatchError(
                _("Cet envoi est « %(status)s » : il ne peut pas être relancé.")
                % {"status": dispatch.get_status_display()}
            )
        dispatch.status = Dispatch.Status.QUEUED
        dispatch.next_attempt_at = timezone.now()
        dispatch.failure_reported_at = None
        dispatch.save(update_fields=["status", "next_attempt_at", "failure_reported_at"])
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
        if recipients:
            link = settings.CAI_PUBLIC_URL + reverse("attestations:dispatches")
            body = _(
                "Bonjour,\n\n"
                "%(failed)s copie(s) d'attestation n'ont pas pu être envoyées et %(missing)s "
                "attendent une adresse e-mail.\n\n"
                "Voir et relancer : %(link)s\n"
            ) % {"failed": failed, "missing": missing, "link": link}
            EmailMessage(
                subject=_("[CAI] Copies d'attestation à vérifier"), body=body, to=recipients
            ).send(fail_silently=True)
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
