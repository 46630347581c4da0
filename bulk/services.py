"""Writes of « actions groupées »: an action asked for a selection of files, then run by a
task, file by file, each through the service that does the same for one file
(``beneficiary_assign``, ``seat_book``) or, for the invitation to the welcome module, a
letter and an e-mail queued in the outbox."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
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
#: The page that polls sees the progress move every this many files (or this many
#: seconds, whichever comes first: also the action's sign of life for the watch).
PROGRESS_EVERY = 10
HEARTBEAT_SECONDS = 20
#: Time limits (soft, hard; seconds) of the task that runs an action. At the soft limit
#: the task stops between two files and queues the next one, which goes on from there.
RUN_TIME_LIMITS = (540, 600)
#: A queued action no task has taken for this long: its task was lost (the broker was
#: down, or the message went with a worker); the watch queues it again.
QUEUED_STALE = timedelta(minutes=3)
#: A running action with no sign of life for longer than its task may live: no task runs
#: it any more (its worker died); the watch resumes it.
RUNNING_STALE = timedelta(seconds=RUN_TIME_LIMITS[1] + 60)
#: Started this many times without finishing: the watch gives up, the action is marked
#: failed and a person resumes it (« Reprendre ») once the cause is known.
MAX_RUNS = 3
#: Someone invited to the welcome module this many days ago or less is not invited again
#: (unless « inviter à nouveau » is ticked).
REINVITE_DAYS = 14


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
    reinvite: bool = False,
    token: uuid.UUID | None = None,
) -> tuple[BulkAction, bool]:
    """Record an action over ``files`` (ids the caller took from ``visible_to(by)``, in
    the order shown) and queue its task after commit. ``token`` is the confirmation
    form's one-time token: the same token again (a double click, a form sent twice)
    returns the action it already asked for, and asks for nothing. Returns the action and
    whether it is a new one."""
    if not files:
        raise ValueError("an action needs files")
    if len(files) > MAX_FILES:
        raise ValueError("too many files")
    if token is not None:
        existing = BulkAction.objects.filter(token=token).first()
        if existing is not None:
            return _same_asker(existing, by), False
    try:
        with transaction.atomic():
            action = _request(
                kind=kind,
                files=files,
                by=by,
                caseworker=caseworker,
                session=session,
                channel=channel,
                reinvite=reinvite,
                token=token,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request recorded it first.
        existing = BulkAction.objects.filter(token=token).first() if token else None
        if existing is None:
            raise
        return _same_asker(existing, by), False
    return action, True


def _same_asker(action: BulkAction, by: User) -> BulkAction:
    if action.created_by_id != by.pk:
        raise PermissionDenied
    return action


def _request(
    *,
    kind: str,
    files: list[int],
    by: User,
    caseworker: User | None,
    session: Appointment | None,
    channel: str,
    reinvite: bool,
    token: uuid.UUID | None,
) -> BulkAction:
    parameters: dict[str, object] = {
        "caseworker": caseworker.pk if caseworker else None,
        "session": session.pk if session else None,
        "channel": channel,
    }
    if kind == BulkAction.Kind.INVITE:
        parameters["reinvite"] = reinvite
    action = BulkAction.objects.create(
        kind=kind,
        parameters=parameters,
        caseworker=caseworker,
        session=session,
        channel=channel,
        total=len(files),
        created_by=by,
        step=_("En attente d'un travailleur"),
        token=token,
        heartbeat_at=timezone.now(),
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
        data={"files": len(files), **parameters},
    )
    queue_on_commit(RUN_TASK, action.pk)
    return action


def _progress(action_id: int, done: int, total: int) -> None:
    # Outside any transaction: the page that polls sees each step as it happens.
    percent = min(95, 5 + int(85 * done / max(total, 1)))
    BulkAction.objects.filter(pk=action_id).update(
        progress=percent,
        step=(_("%(done)s dossiers traités sur %(total)s") % {"done": done, "total": total})[:120],
        heartbeat_at=timezone.now(),
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


def invited_on(beneficiary_id: int, *, besides: BulkAction | None = None) -> datetime | None:
    """When this person was last invited to the welcome module by a bulk action, within
    ``REINVITE_DAYS``: a letter put in a PDF to print, or an e-mail queued or sent (not
    one that failed). None when they were not."""
    since = timezone.now() - timedelta(days=REINVITE_DAYS)
    items = BulkItem.objects.filter(
        beneficiary_id=beneficiary_id,
        action__kind=BulkAction.Kind.INVITE,
        outcome=BulkItem.Outcome.DONE,
        processed_at__gte=since,
    ).filter(
        Q(letter=True)
        | Q(
            dispatches__purpose=Dispatch.Purpose.WELCOME_INVITATION,
            dispatches__status__in=[
                Dispatch.Status.QUEUED,
                Dispatch.Status.SENDING,
                Dispatch.Status.SENT,
            ],
        )
    )
    if besides is not None:
        items = items.exclude(action=besides)
    when: datetime | None = (
        items.order_by("-processed_at").values_list("processed_at", flat=True).first()
    )
    return when


def _invite(action: BulkAction, item: BulkItem) -> Outcome:
    beneficiary = item.beneficiary
    refusal = welcome_refusal(open_path(beneficiary))
    if refusal:
        raise Refused(refusal)
    if not action.parameters.get("reinvite"):
        already = invited_on(beneficiary.pk, besides=action)
        if already is not None:
            raise Refused(
                _("Déjà invité·e le %(date)s : cochez « inviter à nouveau » pour l'inviter encore.")
                % {"date": f"{timezone.localtime(already):%d/%m/%Y}"}
            )
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
    once (its row is locked and marked); a run that stopped (a worker died, the time
    allowed ran out) goes on from the first file not done. Returns whether this call
    finished it."""
    stale = timezone.now() - RUNNING_STALE
    with transaction.atomic():
        action = (
            BulkAction.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("created_by", "caseworker", "session__type", "session__office")
            .filter(pk=action_id)
            # Queued, or « en cours » with no sign of life for longer than a task may
            # live: a task delivered again after its worker died takes it over.
            .filter(
                Q(status=BulkAction.Status.QUEUED)
                | Q(status=BulkAction.Status.RUNNING, heartbeat_at__lt=stale)
            )
            .first()
        )
        if action is None:
            return False
        action.status = BulkAction.Status.RUNNING
        action.progress = max(action.progress, 5)
        action.step = _("Traitement des dossiers")
        action.heartbeat_at = timezone.now()
        action.runs += 1
        action.save(update_fields=["status", "progress", "step", "heartbeat_at", "runs"])
    started = time.monotonic()
    try:
        ids = list(
            action.items.filter(outcome=BulkItem.Outcome.PENDING)
            .order_by("position")
            .values_list("pk", flat=True)
        )
        before = action.total - len(ids)
        beat = time.monotonic()
        for count, item_id in enumerate(ids, start=1):
            _run_item(action, item_id)
            if count % PROGRESS_EVERY == 0 or time.monotonic() - beat > HEARTBEAT_SECONDS:
                _progress(action.pk, before + count, action.total)
                beat = time.monotonic()
        if action.kind == BulkAction.Kind.INVITE:
            BulkAction.objects.filter(pk=action.pk).update(
                progress=92, step=_("Mise en page des lettres"), heartbeat_at=timezone.now()
            )
            letters_build(action)
        counts = outcome_counts(action)
        action.status = BulkAction.Status.DONE
        action.progress = 100
        action.step = _("Terminée")
        action.error = ""
        action.finished_at = timezone.now()
        action.seconds = round(time.monotonic() - started, 2)
        with transaction.atomic():
            action.save(
                update_fields=["status", "progress", "step", "error", "finished_at", "seconds"]
            )
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
    except SoftTimeLimitExceeded:
        # The time one task may take is over: the next task goes on from the first file
        # not done (the letters follow at the end).
        logger.info("Bulk action %s: time limit reached, queued to go on", action.pk)
        BulkAction.objects.filter(pk=action.pk, status=BulkAction.Status.RUNNING).update(
            status=BulkAction.Status.QUEUED,
            step=_("Suite du traitement en attente d'un travailleur"),
            heartbeat_at=timezone.now(),
        )
        queue_on_commit(RUN_TASK, action.pk)
        return False
    except Exception as error:
        logger.exception("Bulk action %s failed", action.pk)
        _letters_anyway(action)
        BulkAction.objects.filter(pk=action.pk).update(
            status=BulkAction.Status.FAILED,
            step=_("Échec"),
            error=type(error).__name__[:500],
            finished_at=timezone.now(),
        )
        return False
    return True


def letters_build(action: BulkAction) -> int:
    """The PDF of the letters, from the files invited by letter so far (in the order of
    the selection): built again when letters are missing from it (a run that stopped
    halfway, then was resumed). Returns how many letters it holds."""
    invited = list(
        action.items.filter(outcome=BulkItem.Outcome.DONE, letter=True)
        .select_related("beneficiary__office", "beneficiary__commune")
        .order_by("position")
    )
    if not invited or (action.letters and action.letters_count == len(invited)):
        return len(invited) if invited else 0
    content = letters.letters_pdf(action, [item.beneficiary for item in invited])
    previous = action.letters.name if action.letters else ""
    action.letters.save(
        f"invitations-module-accueil-{action.pk}.pdf", ContentFile(content), save=False
    )
    action.letters_count = len(invited)
    BulkAction.objects.filter(pk=action.pk).update(
        letters=action.letters.name, letters_count=action.letters_count
    )
    if previous and previous != action.letters.name:
        action.letters.storage.delete(previous)
    return action.letters_count


def _letters_anyway(action: BulkAction) -> None:
    """After a failure: the letters of the people already marked « Invité·e : lettre »
    (the download builds them again if this fails too)."""
    if action.kind != BulkAction.Kind.INVITE:
        return
    try:
        letters_build(action)
    except Exception:
        logger.exception("Bulk action %s: letters not built after the failure", action.pk)


def bulk_resume(action: BulkAction, *, by: User) -> bool:
    """« Reprendre » a failed action: queued again, it goes on from the first file not
    done (nobody is invited, assigned or seated twice). Returns whether it was failed."""
    with transaction.atomic():
        resumed = BulkAction.objects.filter(pk=action.pk, status=BulkAction.Status.FAILED).update(
            status=BulkAction.Status.QUEUED,
            step=_("En attente d'un travailleur"),
            error="",
            finished_at=None,
            heartbeat_at=timezone.now(),
            runs=0,
        )
        if not resumed:
            return False
        audit.record(
            by=by,
            action="bulk.bulk_resume",
            summary=_("Action groupée reprise : %(kind)s") % {"kind": action.get_kind_display()},
            obj=action,
        )
        queue_on_commit(RUN_TASK, action.pk)
    return True


def stalled(action: BulkAction) -> bool:
    """Whether an action waits, or runs, with no sign of life for longer than it should
    (the watch queues it again or resumes it within the minute)."""
    if action.status == BulkAction.Status.QUEUED:
        limit = QUEUED_STALE
    elif action.status == BulkAction.Status.RUNNING:
        limit = RUNNING_STALE
    else:
        return False
    last = action.heartbeat_at or action.created_at
    return last is not None and last < timezone.now() - limit


def _idle_since(limit: datetime) -> Q:
    return Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit)


def bulk_watch() -> dict[str, int]:
    """Every minute (beat): an action whose task was lost is queued again (at most once
    per ``QUEUED_STALE``); an action « en cours » whose worker died is resumed, or marked
    failed after ``MAX_RUNS`` starts (a person resumes it once the cause is known)."""
    now = timezone.now()
    result = {"requeued": 0, "resumed": 0, "failed": 0}
    queued = list(
        BulkAction.objects.filter(_idle_since(now - QUEUED_STALE), status=BulkAction.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )
    for pk in queued:
        if BulkAction.objects.filter(pk=pk, status=BulkAction.Status.QUEUED).update(
            heartbeat_at=now
        ):
            queue_on_commit(RUN_TASK, pk)
            result["requeued"] += 1
    stuck = list(
        BulkAction.objects.filter(
            _idle_since(now - RUNNING_STALE), status=BulkAction.Status.RUNNING
        )
        .order_by("pk")
        .values_list("pk", "runs")[:100]
    )
    for pk, runs in stuck:
        rows = BulkAction.objects.filter(
            _idle_since(now - RUNNING_STALE), pk=pk, status=BulkAction.Status.RUNNING
        )
        if runs >= MAX_RUNS:
            if rows.update(
                status=BulkAction.Status.FAILED,
                step=_("Échec"),
                error=(
                    _("Arrêtée %(runs)s fois sans aboutir (travailleur arrêté).") % {"runs": runs}
                )[:500],
                finished_at=now,
            ):
                logger.warning("Bulk action %s stopped %s times: marked failed", pk, runs)
                result["failed"] += 1
        elif rows.update(
            status=BulkAction.Status.QUEUED,
            step=_("Reprise après l'arrêt d'un travailleur"),
            heartbeat_at=now,
        ):
            queue_on_commit(RUN_TASK, pk)
            result["resumed"] += 1
    return result


def outcome_counts(action: BulkAction) -> dict[str, int]:
    """How many files are done, refused, still to do."""
    counts = dict.fromkeys(BulkItem.Outcome.values, 0)
    rows = action.items.order_by().values("outcome").annotate(n=Count("id"))
    for row in rows:
        counts[row["outcome"]] = row["n"]
    return counts


def letters_expire(now: datetime | None = None) -> int:
    """Delete the merged letters of actions finished more than ``CAI_EXPORT_DAYS`` ago
    (names and addresses, printed by then); « Télécharger » builds them again from the
    files done if someone still needs them. Returns how many were deleted."""
    limit = (now or timezone.now()) - timedelta(days=int(settings.CAI_EXPORT_DAYS))
    deleted = 0
    old = BulkAction.objects.filter(finished_at__lt=limit).exclude(letters="")
    for action in old.iterator():
        action.letters.delete(save=False)
        BulkAction.objects.filter(pk=action.pk).update(letters="", letters_count=0)
        deleted += 1
    return deleted
