"""Reads for the path panel of the file page (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from parcours import path_rules
from parcours.models import (
    Axis,
    AxisKind,
    DeadlineKind,
    Extension,
    Parcours,
    PathEvent,
    Suspension,
)


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


def current_path(beneficiary: Any) -> Parcours | None:
    return (
        Parcours.objects.filter(beneficiary=beneficiary)
        .select_related("welcome", "opened_by")
        .order_by("-opened_on", "-id")
        .first()
    )


def path_panel(parcours: Parcours, *, today: date) -> dict[str, Any]:
    axes = list(parcours.axes.annotate(total=Sum("hours__hours")).order_by("id"))
    suspensions = [
        path_rules.Period(s.start_on, min(s.end_on, today))
        for s in Suspension.objects.filter(Q(parcours=parcours) | Q(parcours__isnull=True))
        if s.start_on <= today
    ]
    extended: dict[str, date] = {}
    for extension in Extension.objects.filter(parcours=parcours).order_by("decided_on", "id"):
        extended[extension.deadline] = extension.new_end_on

    def deadline(kind: str, base: date | None, running_from: date | None) -> Deadline:
        effective = path_rules.effective_deadline(
            base,
            running_from=running_from,
            suspensions=suspensions,
            extended_to=extended.get(kind),
        )
        return Deadline(
            kind=kind,
            label=str(DeadlineKind(kind).label),
            base=base,
            effective=effective,
            extended=kind in extended,
            suspended=effective is not None
            and base is not None
            and effective > base
            and kind not in extended,
        )

    rows = []
    deadlines = []
    presented = parcours.welcome.social_assessment_on is not None
    if parcours.kind == Parcours.Kind.OBLIGED and not presented:
        deadlines.append(
            deadline(
                DeadlineKind.PRESENTATION,
                parcours.presentation_deadline,
                parcours.beneficiary.first_registration_on,
            )
        )
    for axis in axes:
        total = axis.total or Decimal("0")
        percent = 0 if not axis.required_hours else min(100, int(total * 100 / axis.required_hours))
        axis_due = None
        if axis.status not in (Axis.Status.NOT_REQUIRED, Axis.Status.COMPLETED):
            axis_due = deadline(
                axis.kind, path_rules.axis_deadline(axis.kind, axis.started_on), axis.started_on
            ).effective
            if axis.kind in (AxisKind.CITIZENSHIP, AxisKind.FRENCH) and axis.started_on:
                deadlines.append(
                    deadline(
                        axis.kind,
                        path_rules.axis_deadline(axis.kind, axis.started_on),
                        axis.started_on,
                    )
                )
        rows.append(AxisRow(axis=axis, total=total, percent=percent, deadline=axis_due))
    if parcours.kind == Parcours.Kind.OBLIGED:
        deadlines.append(
            deadline(
                DeadlineKind.ATTESTATION,
                parcours.attestation_deadline,
                parcours.beneficiary.permit_ordered_on,
            )
        )
    welcome = parcours.welcome
    proposal = path_rules.propose_axes(
        french_level=welcome.french_level, wants_orientation=welcome.wants_orientation
    )
    conventions = list(parcours.conventions.select_related("signed_by"))
    evaluations = list(parcours.evaluations.all())
    next_evaluation = next((e for e in evaluations if e.held_on is None), None)
    return {
        "parcours": parcours,
        "welcome": welcome,
        "proposal": proposal,
        "conventions": conventions,
        "convention": conventions[0] if conventions else None,
        "axis_rows": rows,
        "required_axes": [r.axis for r in rows if r.axis.status != Axis.Status.NOT_REQUIRED],
        "deadlines": deadlines,
        "evaluations": evaluations,
        "next_evaluation": next_evaluation,
        "held_evaluations": [e for e in evaluations if e.held_on is not None],
        "status_actions": status_actions(parcours),
    }


def status_actions(parcours: Parcours) -> list[tuple[str, str]]:
    from parcours.services import TRANSITIONS

    labels = {
        Parcours.Status.SUSPENDED: _("Suspendre"),
        Parcours.Status.ABANDONED: _("Abandon"),
        Parcours.Status.TRANSFERRED: _("Déménagement hors province"),
        Parcours.Status.EXEMPTED: _("Dispense en cours de parcours"),
    }
    actions = [(to, label) for to, label in labels.items() if to in TRANSITIONS[parcours.status]]
    if parcours.status == Parcours.Status.SUSPENDED:
        actions.insert(0, ("resume", _("Reprendre")))
    return actions


def timeline(beneficiary: Any, *, limit: int = 30) -> list[PathEvent]:
    return list(PathEvent.objects.filter(beneficiary=beneficiary).select_related("by")[:limit])
