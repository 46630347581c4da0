"""Reads for the path panel of the file page (a fixed number of queries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary, ObligationStatus
from cainamur.lib.name_order import name_sort_key
from parcours import path_rules
from parcours.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Axis,
    AxisKind,
    DeadlineKind,
    Extension,
    HoursEntry,
    Parcours,
    Suspension,
)

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


def work_queue(files: QuerySet[Beneficiary], *, today: date, limit: int = 50) -> list[QueueItem]:
    """What needs doing on these files, most urgent first: overdue deadlines, deadlines
    within 30 days, evaluations due, conventions to sign, obliged people without a path.

    A fixed number of queries whatever the number of files (prefetches, one pass in Python).
    """
    open_statuses = list(OPEN_STATUSES)
    paths = list(
        Parcours.objects.filter(beneficiary__in=files, status__in=open_statuses)
        .select_related("beneficiary__office", "welcome")
        .prefetch_related(
            "axes", "extensions", "suspensions", "evaluations", "beneficiary__force_majeure"
        )
    )
    global_suspensions = list(Suspension.objects.filter(parcours__isnull=True))
    items: list[QueueItem] = []

    def tone(due: date | None) -> str:
        if due is None:
            return "secondary"
        left = (due - today).days
        return "danger" if left < 0 else "warning" if left <= SOON_DAYS else "secondary"

    for parcours in paths:
        beneficiary = parcours.beneficiary
        deadlines, _due = path_deadlines(
            parcours,
            axes=list(parcours.axes.all()),
            today=today,
            suspensions=[*global_suspensions, *parcours.suspensions.all()],
            extensions=list(parcours.extensions.all()),
            force_majeure=[f.period for f in beneficiary.force_majeure.all()],
        )
        if parcours.status == Parcours.Status.SUSPENDED:
            items.append(
                QueueItem(beneficiary, parcours, str(_("Parcours suspendu")), None, "secondary")
            )
            continue
        for deadline in deadlines:
            if deadline.effective is not None and (deadline.effective - today).days <= SOON_DAYS:
                items.append(
                    QueueItem(
                        beneficiary,
                        parcours,
                        deadline.label,
                        deadline.effective,
                        tone(deadline.effective),
                    )
                )
        for late in axes_after_attestation(deadlines):
            items.append(
                QueueItem(
                    beneficiary,
                    parcours,
                    str(_("%(axis)s : échéance après celle de l'attestation"))
                    % {"axis": late.label},
                    late.effective,
                    "warning",
                )
            )
        pending = [e for e in parcours.evaluations.all() if e.held_on is None]
        if pending and (pending[0].due_on - today).days <= SOON_DAYS:
            items.append(
                QueueItem(
                    beneficiary,
                    parcours,
                    str(_("Entretien d'évaluation")),
                    pending[0].due_on,
                    tone(pending[0].due_on),
                )
            )
        if parcours.status == Parcours.Status.WELCOME:
            what = (
                _("Convention à signer")
                if parcours.welcome.is_complete
                else _("Module d'accueil à terminer")
            )
            items.append(QueueItem(beneficiary, parcours, str(what), None, "secondary"))
        if parcours.status == Parcours.Status.COMPLETED:
            items.append(
                QueueItem(
                    beneficiary, parcours, str(_("Attestation à délivrer")), None, "secondary"
                )
            )
    # Obliged people without any path whose presentation is due within 30 days (or late):
    # an indexed copy of the deadline on the file keeps this fast on 100,000 files.
    waiting = (
        files.filter(
            obligation_status=ObligationStatus.OBLIGED,
            presentation_deadline__lte=today + timedelta(days=SOON_DAYS),
        )
        .exclude(Exists(Parcours.objects.filter(beneficiary=OuterRef("pk"))))
        .select_related("office")
        .order_by("presentation_deadline", "id")[:limit]
    )
    for beneficiary in waiting:
        due = beneficiary.presentation_deadline
        items.append(
            QueueItem(beneficiary, None, str(_("Obligé·e : parcours à ouvrir")), due, tone(due))
        )
    # Files whose obligation cannot be decided for want of a date (« à compléter »).
    incomplete = (
        files.filter(obligation_status=ObligationStatus.INCOMPLETE)
        .select_related("office")
        .order_by("created_at", "id")[:limit]
    )
    for beneficiary in incomplete:
        items.append(
            QueueItem(
                beneficiary,
                None,
                str(_("Obligation à compléter (date manquante)")),
                None,
                "warning",
            )
        )
    rank = {"danger": 0, "warning": 1, "secondary": 2}
    items.sort(
        key=lambda i: (
            rank[i.tone],
            i.due or date.max,
            name_sort_key(i.beneficiary.last_name),
            name_sort_key(i.beneficiary.first_names),
        )
    )
    return items[:limit]


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
