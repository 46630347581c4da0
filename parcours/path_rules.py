"""Pure rules of the path itself: which axes the welcome module proposes, and how
deadlines run (axis durations, suspensions, extensions, evaluation interviews).

No ORM and no clock, like ``rules.py``: everything is an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from parcours.rules import add_months

#: Hours of each axis by default in a convention (docs/domain.md, « The four axes »: 60 h
#: citizenship, 400 h French, at least 4 h orientation since 17 December 2018); the
#: caseworker may write others in the convention.
CITIZENSHIP_HOURS = Decimal("60")
FRENCH_HOURS = Decimal("400")
ORIENTATION_HOURS = Decimal("4")
CITIZENSHIP_MONTHS = 4
FRENCH_MONTHS = 16
EVALUATION_MONTHS = 6
#: French levels for which the French axis is proposed (A2 or above: not needed).
FRENCH_NEEDED_LEVELS = frozenset({"below_a1", "a1"})


@dataclass(frozen=True)
class AxesProposal:
    french_required: bool
    orientation_required: bool


def propose_axes(*, french_level: str, wants_orientation: bool) -> AxesProposal:
    """The welcome module's proposal, which the caseworker confirms or changes."""
    if french_level not in ("", "below_a1", "a1", "a2_plus", "not_needed"):
        raise ValueError(f"unknown French level: {french_level!r}")
    return AxesProposal(
        # No test yet: propose French, the caseworker decides after the test.
        french_required=french_level in FRENCH_NEEDED_LEVELS or french_level == "",
        orientation_required=wants_orientation,
    )


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")


def shift_for_suspensions(
    deadline: date, *, running_from: date, suspensions: Iterable[Period]
) -> date:
    """Push ``deadline`` by every suspended day between ``running_from`` and the deadline
    (which moves as days are added). Overlapping periods count each day once."""
    days: set[date] = set()
    for period in sorted(suspensions, key=lambda p: p.start):
        day = max(period.start, running_from)
        while day <= period.end:
            days.add(day)
            day += timedelta(days=1)
    current = deadline
    for day in sorted(days):
        if day <= current:
            current += timedelta(days=1)
    return current


def effective_deadline(
    base: date | None,
    *,
    running_from: date | None,
    suspensions: Iterable[Period] = (),
    extended_to: date | None = None,
) -> date | None:
    """The deadline in force: the base one pushed by suspensions, unless a (later)
    extension decided a new end date."""
    if base is None:
        return extended_to
    shifted = shift_for_suspensions(
        base, running_from=running_from or base, suspensions=suspensions
    )
    if extended_to is not None and extended_to > shifted:
        return extended_to
    return shifted


def axis_deadline(kind: str, started_on: date | None) -> date | None:
    months = {"citizenship": CITIZENSHIP_MONTHS, "french": FRENCH_MONTHS}.get(kind)
    if months is None or started_on is None:
        return None
    return add_months(started_on, months)


def next_evaluation_due(after: date) -> date:
    return add_months(after, EVALUATION_MONTHS)


def clock_start(registration: date | None, permit: date | None) -> date | None:
    """From when the presentation clock runs: the later of the first registration and the
    first permit order, or the registration while the permit date is unknown."""
    return max(registration, permit) if registration and permit else registration
