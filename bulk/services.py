"""Writes of « actions groupées »: an action asked for a selection of files, then run by a
task, file by file, each through the service that does the same for one file
(``beneficiary_assign``, ``seat_book``) or, for the invitation to the welcome module, a
letter and an e-mail queued in the outbox."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from appointments.models import Appointment
from appointments.services import BookingError, seat_book
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_assign
from bulk import letters
from bulk.models import BulkAction, BulkItem
from cainamur import audit
from cainamur.celery import queue_on_commit
from cainamur.models import User
from outbox.models import Dispatch
from outbox.services import dispatch_queue
from parcours.models import OPEN_STATUSES, Parcours, WelcomeModule

logger = logging.getLogger(__name__)

RUN_TASK = "bulk.tasks.run_bulk_action"
#: At most this many files in one action (the selection « tous les dossiers du filtre »).
MAX_FILES = 2000
#: The page that polls sees the progress move every this many files.
PROGRESS_EVERY = 10


class Refused(Exception):
    """A file the action leaves alone, with the reason (a French sentence)."""


@dataclass(frozen=True)
class Outcome:
    detail: str
    letter: bool = False


def bulk_request(
    *,
    kind: str,
    files: list[int],
    by: User,
    caseworker: User | None = None,
    session: Appointment | None = None,
    channel: str = "",
) -> BulkAction:
    """Record an action over ``files`` (ids the caller took from ``visible_to(by)``, in
    the order shown) and queue its task after commit."""
    if not files:
        raise ValueError("an action needs files")
    if len(files) > MAX_FILES:
        raise ValueError("too many files")
    with transaction.atomic():
        action = BulkAction.objects.create(
            kind=kind,
            parameters={
                "caseworker": caseworker.pk if caseworker else None,
                "session": session.pk if session else None,
                "channel": channel,
            },
            caseworker=caseworker,
            session=session,
            channel=channel,
            total=len(files),
            created_by=by,
            step=_("En attente d'un travailleur"),
        )
        BulkItem.objects.bulk_create(
            BulkItem(action=action, beneficiary_id=pk, position=position)
            for position, pk in enumerate(dict.fromkeys(files), start=1)
        )
        audit.record(
            by=by,
            action="bulk.bulk_request",
            summary=ngettext(
                "Action groupée demandée : %(kind)s, %(count)s dossier",
                "Action groupée demandée : %(kind)s, %(count)s dossiers",
                len(files),
            )
            % {"kind": action.get_kind_display(), "count": len(files)},
            obj=action,
            data={"files": len(files), **action.parameters},
        )
        queue_on_commit(RUN_TASK, action.pk)
    return action


def _progress(action_id: int, done: int, total: int) -> None:
    # Outside any transaction: the page that polls sees each step as it happens.
    percent = min(95, 5 + int(85 * done / max(total, 1)))
    BulkAction.objects.filter(pk=action_id).update(
        progress=percent,
        step=(_("%(done)s dossiers traités sur %(total)s") % {"done": done, "total": total})[:120],
    )


# ---------------------------------------------------------------- each kind, one file


def _assign(action: BulkAction, item: BulkItem) -> Outcome:
    caseworker = action.caseworker
    assert caseworker is not None  # a database constraint
    try:
        changed = beneficiary_assign(
            beneficiary=item.beneficiary,
            caseworker=caseworker,
            by=action.created_by,
            context=_("action groupée"),
        )
    except ValidationError as error:
        raise Refused(" ".join(error.messages)) from error
    if not changed:
        raise Refused(_("Déjà suivi par %(name)s.") % {"name": caseworker.get_full_name()})
    return Outcome(_("Attribué à %(name)s.") % {"name": caseworker.get_full_name()})


def _seat(action: BulkAction, item: BulkItem) -> Outcome:
    session = action.session
    assert session is not None  # a database constraint
    try:
        seat_book(session=session, beneficiary=item.beneficiary, by=action.created_by)
    except BookingError as error:
        raise Refused(str(error)) from error
    return Outcome(_("Inscrit·e à la séance."))


def open_path(beneficiary: Beneficiary) -> Parcours | None:
    return (
        Parcours.objects.filter(beneficiary=beneficiary, status__in=OPEN_STATUSES)
        .select_related("welcome")
        .first()
    )


def welcome_refusal(path: Parcours | None) -> str:
    """Why a person is not invited to the welcome module ("" when they may be)."""
    if path is None:
        return _("Pas de parcours ouvert.")
    if path.status == Parcours.Status.SUSPENDED:
        return _("Parcours suspendu.")
    if path.status != Parcours.Status.WELCOME:
        return _("Le parcours a dépassé le module d'accueil (%(status)s).") % {
            "status": path.get_status_display().lower()
        }
    try:
        welcome: WelcomeModule | None = path.welcome
    except WelcomeModule.DoesNotExist:
        welcome = None
    if welcome is not None and welcome.is_complete:
        return _("Module d'accueil déjà terminé.")
    return ""


def _invite(action: BulkAction, item: BulkItem) -> Outcome:
    beneficiary = item.beneficiary
    refusal = welcome_refusal(open_path(beneficiary))
    if refusal:
        raise Refused(refusal)
    has_address = bool(beneficiary.street.strip())
    has_email = bool(beneficiary.email.strip())
    channel = action.channel
    letter = channel in (BulkAction.Channel.LETTER, BulkAction.Channel.BOTH) and has_address
    email = channel in (BulkAction.Channel.EMAIL, BulkAction.Channel.BOTH) and has_email
    if channel == BulkAction.Channel.LETTER and not letter:
        raise Refused(_("Pas d'adresse postale pour la lettre."))
    if channel == BulkAction.Channel.EMAIL and not email:
        raise Refused(_("Pas d'adresse e-mail."))
    if not (letter or email):
        raise Refused(_("Ni adresse postale ni adresse e-mail."))
    if email:
        dispatch, created = Dispatch.objects.get_or_create(
            bulk_item=item,
            purpose=Dispatch.Purpose.WELCOME_INVITATION,
            channel=Dispatch.Channel.EMAIL,
            defaults={
                "recipient_kind": Dispatch.Recipient.PERSON,
                "next_attempt_at": timezone.now(),
            },
        )
        if created:
            dispatch_queue([dispatch.pk])
    if letter and email:
        detail = _("Invité·e : lettre et e-mail.")
    elif letter:
        detail = (
            _("Invité·e : lettre (pas d'adresse e-mail).")
            if channel == BulkAction.Channel.BOTH
            else _("Invité·e : lettre.")
        )
    else:
        detail = (
            _("Invité·e : e-mail (pas d'adresse postale).")
            if channel == BulkAction.Channel.BOTH
            else _("Invité·e : e-mail.")
        )
    audit.record(
        by=action.created_by,
        action="bulk.welcome_invite",
        summary=_("Invitation au module d'accueil (action groupée) : %(how)s")
        % {
            "how": _("lettre et e-mail")
            if letter and email
            else (_("lettre") if letter else _("e-mail"))
        },
        beneficiary=beneficiary,
        obj=action,
        data={"letter": letter, "email": email},
    )
    return Outcome(detail, letter=letter)


HANDLERS: dict[str, Callable[[BulkAction, BulkItem], Outcome]] = {
    BulkAction.Kind.ASSIGN: _assign,
    BulkAction.Kind.INVITE: _invite,
    BulkAction.Kind.SESSION: _seat,
}


def _run_item(action: BulkAction, item_id: int) -> None:
    """One file, in its own transaction: done once, whatever happens to the others."""
    with transaction.atomic():
        item = (
            BulkItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("beneficiary__office", "beneficiary__commune")
            .filter(pk=item_id, outcome=BulkItem.Outcome.PENDING)
            .first()
        )
        if item is None:
            return  # done by an earlier run, or by another worker right now
        try:
            if (
                not Beneficiary.objects.visible_to(action.created_by)
                .filter(pk=item.beneficiary_id)
                .exists()
            ):
                raise Refused(_("Ce dossier n'est plus dans vos bureaux."))
            with transaction.atomic():  # a refusal halfway leaves nothing behind
                outcome = HANDLERS[action.kind](action, item)
        except Refused as refusal:
            item.outcome = BulkItem.Outcome.REFUSED
            item.detail = str(refusal)[:300]
        else:
            item.outcome = BulkItem.Outcome.DONE
            item.detail = outcome.detail[:300]
            item.letter = outcome.letter
        item.processed_at = timezone.now()
        item.save(update_fields=["outcome", "detail", "letter", "processed_at"])


def bulk_run(action_id: int) -> bool:
    """Run an action over its files (the task's work). Safe to run twice: an action
    already run, or being run by another worker, is left alone, and each file is done
    once (its row is locked and marked). Returns whether this call ran it."""
    with transaction.atomic():
        action = (
            BulkAction.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("created_by", "caseworker", "session__type", "session__office")
            .filter(pk=action_id, status=BulkAction.Status.QUEUED)
            .first()
        )
        if action is None:
            return False
        action.status = BulkAction.Status.RUNNING
        action.progress = 5
        action.step = _("Traitement des dossiers")
        action.save(update_fields=["status", "progress", "step"])
    started = time.monotonic()
    try:
        ids = list(
            action.items.filter(outcome=BulkItem.Outcome.PENDING)
            .order_by("position")
            .values_list("pk", flat=True)
        )
        for count, item_id in enumerate(ids, start=1):
            _run_item(action, item_id)
            if count % PROGRESS_EVERY == 0:
                _progress(action.pk, count, len(ids))
        fields = ["status", "progress", "step", "finished_at", "seconds"]
        if action.kind == BulkAction.Kind.INVITE:
            invited = list(
                action.items.filter(outcome=BulkItem.Outcome.DONE, letter=True)
                .select_related("beneficiary__office", "beneficiary__commune")
                .order_by("position")
            )
            if invited:
                BulkAction.objects.filter(pk=action.pk).update(
                    progress=92, step=_("Mise en page des lettres")
                )
                content = letters.letters_pdf(action, [item.beneficiary for item in invited])
                name = f"invitations-module-accueil-{action.pk}.pdf"
                action.letters.save(name, ContentFile(content), save=False)
                action.letters_count = len(invited)
                fields += ["letters", "letters_count"]
        counts = outcome_counts(action)
        action.status = BulkAction.Status.DONE
        action.progress = 100
        action.step = _("Terminée")
        action.finished_at = timezone.now()
        action.seconds = round(time.monotonic() - started, 2)
        with transaction.atomic():
            action.save(update_fields=fields)
            audit.record(
                by=action.created_by,
                action="bulk.bulk_done",
                summary=_("Action groupée terminée : %(kind)s, %(done)s faits, %(refused)s refusés")
                % {
                    "kind": action.get_kind_display(),
                    "done": counts[BulkItem.Outcome.DONE],
                    "refused": counts[BulkItem.Outcome.REFUSED],
                },
                obj=action,
                data=dict(counts),
            )
    except Exception as error:
        logger.exception("Bulk action %s failed", action.pk)
        BulkAction.objects.filter(pk=action.pk).update(
            status=BulkAction.Status.FAILED,
            step=_("Échec"),
            error=type(error).__name__[:500],
            finished_at=timezone.now(),
        )
        return False
    return True


def outcome_counts(action: BulkAction) -> dict[str, int]:
    """How many files are done, refused, still to do."""
    counts = dict.fromkeys(BulkItem.Outcome.values, 0)
    rows = action.items.order_by().values("outcome").annotate(n=Count("id"))
    for row in rows:
        counts[row["outcome"]] = row["n"]
    return counts
