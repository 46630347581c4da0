"""Reads for the path panel of the file page (a fixed number of queries)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Sum, Value
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary, ObligationStatus
from cainamur.lib.name_order import by_name, name_sort_key
from parcours import path_rules
from parcours.models import (
    RUNNING_PATH_STATUSES,
    TRANSITIONS,
    Axis,
    AxisKind,
    DeadlineKind,
    Evaluation,
    Extension,
    HoursEntry,
    Parcours,
    Suspension,
)
from parcours.rules import add_months

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LEDGER_LINES = 100


@dataclass(frozen=True)
class Deadline:
    kind: str
    label: str
    base: date | None
    effective: date | None
    extended: bool
    suspended: bool


@dataclass(frozen=True)
class AxisRow:
    axis: Axis
    total: Decimal
    percent: int
    deadline: date | None
    #: The axis may end after the attestation is due: the path cannot finish in time.
    after_attestation: bool = False


def axes_after_attestation(deadlines: list[Deadline]) -> list[Deadline]:
    """Axis deadlines that fall after the attestation deadline in force."""
    attestation = next((d.effective for d in deadlines if d.kind == DeadlineKind.ATTESTATION), None)
    if attestation is None:
        return []
    return [
        d
        for d in deadlines
        if d.kind in (AxisKind.CITIZENSHIP, AxisKind.FRENCH)
        and d.effective is not None
        and d.effective > attestation
    ]


def current_path(beneficiary: Beneficiary) -> Parcours | None:
    return (
        Parcours.objects.filter(beneficiary=beneficiary)
        .select_related("welcome", "opened_by")
        .order_by("-opened_on", "-id")
        .first()
    )


def path_deadlines(
    parcours: Parcours,
    *,
    axes: list[Axis],
    suspensions: list[Suspension],
    extensions: list[Extension],
    today: date,
    force_majeure: Sequence[path_rules.Period] = (),
) -> tuple[list[Deadline], dict[int, date | None]]:
    """The deadlines in force for a path, from already-fetched rows (no queries): the
    presentation (until the person came), each running axis, and the attestation."""
    periods = [
        path_rules.Period(s.start_on, min(s.end_on, today))
        for s in suspensions
        if s.start_on <= today
    ]
    # The legal deadlines move only with general suspensions (and the Minister's
    # extensions); a personal pause (illness, maternity) moves the axes' internal windows
    # only (docs/domain.md, « Deadlines »).
    general = [
        path_rules.Period(s.start_on, min(s.end_on, today))
        for s in suspensions
        if s.start_on <= today and s.parcours_id is None
    ]
    legal = (DeadlineKind.PRESENTATION, DeadlineKind.ATTESTATION)
    extended: dict[str, date] = {}
    for extension in sorted(extensions, key=lambda e: (e.decided_on, e.pk)):
        extended[extension.deadline] = extension.new_end_on

    def deadline(kind: str, base: date | None, running_from: date | None) -> Deadline:
        stops = general if kind in legal else periods
        if kind == DeadlineKind.PRESENTATION:
            # « Force majeure dûment attestée » stops the presentation clock.
            stops = [*stops, *force_majeure]
        effective = path_rules.effective_deadline(
            base,
            running_from=running_from,
            suspensions=stops,
            extended_to=extended.get(kind),
        )
        return Deadline(
            kind=kind,
            label=str(DeadlineKind(kind).label),
            base=base,
            effective=effective,
            extended=kind in extended,
            suspended=(
                effective is not None
                and base is not None
                and effective > base
                and kind not in extended
            ),
        )

    deadlines: list[Deadline] = []
    axis_due: dict[int, date | None] = {}
    beneficiary = parcours.beneficiary
    if parcours.kind == Parcours.Kind.OBLIGED and beneficiary.presented_on is None:
        # Met when the person presents (first contact), not when the centre holds the
        # social assessment; it runs from the day the person became subject in Wallonia.
        registration, permit = beneficiary.first_registration_on, beneficiary.permit_ordered_on
        subject = path_rules.clock_start(registration, permit)
        deadlines.append(
            deadline(DeadlineKind.PRESENTATION, parcours.presentation_deadline, subject)
        )
    for axis in axes:
        axis_due[axis.pk] = None
        if axis.status in (Axis.Status.NOT_REQUIRED, Axis.Status.COMPLETED):
            continue
        if axis.kind in (AxisKind.CITIZENSHIP, AxisKind.FRENCH) and axis.started_on:
            running = deadline(
                axis.kind, path_rules.axis_deadline(axis.kind, axis.started_on), axis.started_on
            )
            axis_due[axis.pk] = running.effective
            deadlines.append(running)
    if parcours.kind == Parcours.Kind.OBLIGED:
        deadlines.append(
            deadline(
                DeadlineKind.ATTESTATION,
                parcours.attestation_deadline,
                parcours.beneficiary.permit_ordered_on,
            )
        )
    return deadlines, axis_due


def path_panel(parcours: Parcours, *, today: date) -> dict[str, Any]:
    axes: list[Axis] = list(parcours.axes.annotate(total=Sum("hours__hours")).order_by("id"))
    extensions = list(Extension.objects.filter(parcours=parcours).select_related("recorded_by"))
    deadlines, axis_due = path_deadlines(
        parcours,
        axes=axes,
        today=today,
        suspensions=list(
            Suspension.objects.filter(Q(parcours=parcours) | Q(parcours__isnull=True))
        ),
        extensions=extensions,
        force_majeure=[f.period for f in parcours.beneficiary.force_majeure.all()],
    )
    rows = []
    late_kinds = {d.kind for d in axes_after_attestation(deadlines)}
    for axis in axes:
        total = getattr(axis, "total", None) or Decimal("0")  # annotated above
        percent = 0 if not axis.required_hours else min(100, int(total * 100 / axis.required_hours))
        rows.append(
            AxisRow(
                axis=axis,
                total=total,
                percent=percent,
                deadline=axis_due[axis.pk],
                after_attestation=axis_due[axis.pk] is not None and axis.kind in late_kinds,
            )
        )
    welcome = parcours.welcome
    proposal = path_rules.propose_axes(
        french_level=welcome.french_level, wants_orientation=welcome.wants_orientation
    )
    conventions = list(parcours.conventions.select_related("signed_by"))
    evaluations = list(parcours.evaluations.all())
    next_evaluation = next((e for e in evaluations if e.held_on is None), None)
    if parcours.closed_on is not None:
        # A closed path (attestation issued, exempted, abandoned...) has nothing left to do.
        deadlines, next_evaluation = [], None
        rows = [replace(row, deadline=None) for row in rows]
    return {
        "parcours": parcours,
        "welcome": welcome,
        "proposal": proposal,
        "conventions": conventions,
        "convention": conventions[0] if conventions else None,
        "axis_rows": rows,
        # The ledger, newest first (one query): every line with its date, source and author.
        "ledger": list(
            HoursEntry.objects.filter(axis__parcours=parcours)
            .select_related("axis", "recorded_by")
            .order_by("-on", "-id")[:LEDGER_LINES]
        ),
        "required_axes": [r.axis for r in rows if r.axis.status != Axis.Status.NOT_REQUIRED],
        "deadlines": deadlines,
        "evaluations": evaluations,
        "next_evaluation": next_evaluation,
        "extensions": extensions,
        "held_evaluations": [e for e in evaluations if e.held_on is not None],
        "status_actions": status_actions(parcours),
    }


def status_actions(parcours: Parcours) -> list[tuple[str, str]]:
    labels = {
        Parcours.Status.SUSPENDED: _("Suspendre"),
        Parcours.Status.ABANDONED: _("Abandon"),
        Parcours.Status.TRANSFERRED: _("Déménagement hors province"),
        Parcours.Status.EXEMPTED: _("Dispense en cours de parcours"),
    }
    actions: list[tuple[str, str]] = [
        (str(to), label) for to, label in labels.items() if to in TRANSITIONS[parcours.status]
    ]
    if parcours.status == Parcours.Status.SUSPENDED:
        actions.insert(0, ("resume", _("Reprendre")))
    return actions


@dataclass(frozen=True)
class QueueItem:
    beneficiary: Beneficiary
    parcours: Parcours | None
    what: str
    due: date | None
    tone: str  # danger (overdue) / warning (within 30 days) / secondary


SOON_DAYS = 30
#: Candidate rows read per source and round (the first round nearly always suffices).
QUEUE_BATCH = 200
#: A LIMIT no list reaches.
UNBOUNDED = 10**9
#: Paths worked out at a time, in the order of their base dates.
QUEUE_CHUNK = 64
TONE_RANK = {"danger": 0, "warning": 1, "secondary": 2}
RUNNING_AXES = (Axis.Status.NOT_STARTED, Axis.Status.IN_PROGRESS)
AXIS_MONTHS = {
    AxisKind.CITIZENSHIP: path_rules.CITIZENSHIP_MONTHS,
    AxisKind.FRENCH: path_rules.FRENCH_MONTHS,
}


def _tone(due: date | None, today: date) -> str:
    if due is None:
        return "secondary"
    left = (due - today).days
    return "danger" if left < 0 else "warning" if left <= SOON_DAYS else "secondary"


def _rank(item: QueueItem) -> tuple[int, date]:
    return TONE_RANK[item.tone], item.due or date.max


def _queue_order(item: QueueItem) -> tuple[int, date, str, str, int]:
    return (
        *_rank(item),
        name_sort_key(item.beneficiary.last_name),
        name_sort_key(item.beneficiary.first_names),
        item.beneficiary.pk,
    )


def work_queue(files: QuerySet[Beneficiary], *, today: date, limit: int = 50) -> list[QueueItem]:
    """What needs doing on these files, most urgent first: overdue deadlines, deadlines
    within 30 days, evaluations due, conventions to sign, obliged people without a path.

    A fixed number of queries whatever the number of files, and it reads only the paths
    that can make the first ``limit`` lines, not every open path of the files: a deadline
    in force is never before its base date (suspensions push it later; an extension only
    replaces a missing or earlier one), so the paths are taken from small index-ordered
    lists of base dates (``_deadline_candidates``), worked out exactly in Python, and the
    reading stops once ``limit`` lines come before every base date not yet read.
    """
    global_suspensions = list(Suspension.objects.filter(parcours__isnull=True))
    items = [
        *_status_items(files, limit=limit),
        *_waiting_items(files, today=today, limit=limit),
    ]
    seen: set[int] = set()
    size = QUEUE_BATCH
    while True:
        candidates, threshold = _deadline_candidates(files, today=today, size=size)
        fresh = [(key, pk) for key, pk in candidates if pk not in seen]
        while fresh:
            # The paths with the lowest base dates first, a chunk at a time.
            chunk = list(dict.fromkeys(pk for _key, pk in fresh))[:QUEUE_CHUNK]
            seen.update(chunk)
            paths = (
                Parcours.objects.filter(pk__in=chunk)
                .select_related("beneficiary__office")
                .prefetch_related(
                    "axes",
                    "extensions",
                    "suspensions",
                    "evaluations",
                    "beneficiary__force_majeure",
                )
            )
            for parcours in paths:
                items.extend(_dated_items(parcours, today=today, general=global_suspensions))
            items.sort(key=_queue_order)
            fresh = [(key, pk) for key, pk in fresh if pk not in seen]
            # No line of a path not read yet can come before this.
            bounds = [key for key, _pk in fresh[:1]] + ([threshold] if threshold else [])
            if bounds and len(items) >= limit and _rank(items[limit - 1]) < min(bounds):
                return items[:limit]
        if threshold is None:
            return items[:limit]
        size *= 4


def _dated_items(parcours: Parcours, *, today: date, general: list[Suspension]) -> list[QueueItem]:
    """A running path's deadlines within 30 days (or past), its axes that end after the
    attestation is due, and its next evaluation when due."""
    beneficiary = parcours.beneficiary
    deadlines, _due = path_deadlines(
        parcours,
        axes=list(parcours.axes.all()),
        today=today,
        suspensions=[*general, *parcours.suspensions.all()],
        extensions=list(parcours.extensions.all()),
        force_majeure=[f.period for f in beneficiary.force_majeure.all()],
    )
    items = [
        QueueItem(beneficiary, parcours, d.label, d.effective, _tone(d.effective, today))
        for d in deadlines
        if d.effective is not None and (d.effective - today).days <= SOON_DAYS
    ]
    items.extend(
        QueueItem(
            beneficiary,
            parcours,
            str(_("%(axis)s : échéance après celle de l'attestation")) % {"axis": late.label},
            late.effective,
            "warning",
        )
        for late in axes_after_attestation(deadlines)
    )
    pending = [e for e in parcours.evaluations.all() if e.held_on is None]
    if pending and (pending[0].due_on - today).days <= SOON_DAYS:
        due = pending[0].due_on
        items.append(
            QueueItem(
                beneficiary, parcours, str(_("Entretien d'évaluation")), due, _tone(due, today)
            )
        )
    return items


def _status_items(files: QuerySet[Beneficiary], *, limit: int) -> list[QueueItem]:
    """Paths waiting for a step of the centre's (no date: after every dated line, by name):
    suspended, welcome module to finish or convention to sign, attestation to issue."""
    paths = (
        Parcours.objects.filter(
            beneficiary__in=files,
            status__in=[
                Parcours.Status.SUSPENDED,
                Parcours.Status.WELCOME,
                Parcours.Status.COMPLETED,
            ],
        )
        .select_related("beneficiary__office", "welcome")
        .order_by(*by_name("beneficiary__last_name", "beneficiary__first_names"), "beneficiary_id")
    )
    items = []
    for parcours in paths[:limit]:
        if parcours.status == Parcours.Status.SUSPENDED:
            what = _("Parcours suspendu")
        elif parcours.status == Parcours.Status.COMPLETED:
            what = _("Attestation à délivrer")
        elif parcours.welcome.is_complete:
            what = _("Convention à signer")
        else:
            what = _("Module d'accueil à terminer")
        items.append(QueueItem(parcours.beneficiary, parcours, str(what), None, "secondary"))
    return items


def _waiting_items(files: QuerySet[Beneficiary], *, today: date, limit: int) -> list[QueueItem]:
    """Files without a path: obliged people whose presentation is due within 30 days (or
    late), and files whose obligation waits for a missing date."""
    # An indexed copy of the deadline on the file keeps this fast on 100,000 files.
    waiting = (
        files.filter(
            obligation_status=ObligationStatus.OBLIGED,
            presentation_deadline__lte=today + timedelta(days=SOON_DAYS),
        )
        .exclude(Exists(Parcours.objects.filter(beneficiary=OuterRef("pk"))))
        .select_related("office")
        .order_by("presentation_deadline", "id")[:limit]
    )
    items = [
        QueueItem(
            beneficiary,
            None,
            str(_("Obligé·e : parcours à ouvrir")),
            beneficiary.presentation_deadline,
            _tone(beneficiary.presentation_deadline, today),
        )
        for beneficiary in waiting
    ]
    # Files whose obligation cannot be decided for want of a date (« à compléter »).
    incomplete = (
        files.filter(obligation_status=ObligationStatus.INCOMPLETE)
        .select_related("office")
        .order_by("created_at", "id")[:limit]
    )
    items.extend(
        QueueItem(
            beneficiary, None, str(_("Obligation à compléter (date manquante)")), None, "warning"
        )
        for beneficiary in incomplete
    )
    return items


def _deadline_candidates(
    files: QuerySet[Beneficiary], *, today: date, size: int
) -> tuple[list[tuple[tuple[int, date], int]], tuple[int, date] | None]:
    """Running paths of ``files`` that may have a dated line, from the base dates of their
    deadlines, ``size`` at most per source, each source in date order (one query).

    Returns (lowest (rank, date) a line of the path can have, path) in that order, and the
    lowest a line of a path not returned can have (None when every source was read to its
    end)."""
    soon = today + timedelta(days=SOON_DAYS)
    paths = Parcours.objects.filter(beneficiary__in=files, status__in=RUNNING_PATH_STATUSES)
    obliged = paths.filter(kind=Parcours.Kind.OBLIGED)
    axes = Axis.objects.filter(
        parcours__in=paths, status__in=RUNNING_AXES, started_on__isnull=False
    )
    # (rows, path field, date field, only lines of the warning rank, months to add)
    sources: list[tuple[QuerySet[Any], str, str, bool, int]] = [
        (
            # Few people on a running path have not presented: their files are read first
            # and hashed (a sub-query with a LIMIT is not merged into the join), rather than
            # each path's file looked up in turn.
            Parcours.objects.filter(
                beneficiary__in=files.filter(presented_on__isnull=True)
                .order_by()
                .values("pk")[:UNBOUNDED],
                status__in=RUNNING_PATH_STATUSES,
                kind=Parcours.Kind.OBLIGED,
                presentation_deadline__lte=soon,
            ),
            "pk",
            "presentation_deadline",
            False,
            0,
        ),
        (obliged.filter(attestation_deadline__lte=soon), "pk", "attestation_deadline", False, 0),
        (
            Extension.objects.filter(parcours__in=paths, new_end_on__lte=soon),
            "parcours_id",
            "new_end_on",
            False,
            0,
        ),
        (
            Evaluation.objects.filter(parcours__in=paths, held_on__isnull=True, due_on__lte=soon),
            "parcours_id",
            "due_on",
            False,
            0,
        ),
    ]
    for kind, months in AXIS_MONTHS.items():
        started = axes.filter(kind=kind)
        # Due within 30 days (or past): started at most ``months`` before that (a few days
        # more: month ends are clamped).
        latest = add_months(soon, -months) + timedelta(days=3)
        sources.append(
            (started.filter(started_on__lte=latest), "parcours_id", "started_on", False, months)
        )
        # An axis ending after the attestation is due: a warning whatever its date.
        sources.append(
            (
                started.filter(parcours__kind=Parcours.Kind.OBLIGED),
                "parcours_id",
                "started_on",
                True,
                months,
            )
        )
    queries = [
        rows.annotate(source=Value(n, output_field=IntegerField()))
        .values_list(path, day, "source")
        .order_by(day, path)[:size]
        for n, (rows, path, day, _warning, _months) in enumerate(sources)
    ]
    found: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for pk, day, source in queries[0].union(*queries[1:], all=True):
        found[source].append((pk, day))
    keys: list[tuple[tuple[int, date], int]] = []
    threshold: tuple[int, date] | None = None
    for n, (_rows, _path, _day, warning, months) in enumerate(sources):
        for pk, day in found[n]:
            base = add_months(day, months) if months else day
            rank = 1 if warning else TONE_RANK[_tone(base, today)] if base <= soon else 1
            keys.append(((rank, base), pk))
        if len(found[n]) == size:
            last = keys[-1][0]
            threshold = last if threshold is None else min(threshold, last)
    keys.sort()
    return keys, threshold


class PathStatusFilter:
    """The file list's « Parcours » filter (registered with ``beneficiaries`` at start-up):
    files without a path, or whose path is in a given state."""

    def choices(self) -> list[tuple[str, StrOrPromise]]:
        return [("none", _("Sans parcours")), *Parcours.Status.choices]

    def filter(self, files: QuerySet[Beneficiary], value: str) -> QuerySet[Beneficiary]:
        paths = Parcours.objects.filter(beneficiary=OuterRef("pk"))
        if value == "none":
            return files.exclude(Exists(paths))
        return files.filter(Exists(paths.filter(status=value)))
