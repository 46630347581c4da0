"""When a person obliged to follow the path does not comply (the obligation: CWASS
art. 152/7; the Region's sanctioning officer decides): pure functions of plain values.

Three breaches open a non-compliance file (docs/domain.md, « Non-compliance »):

* the presentation deadline passed and the person did not present by then;
* the attestation deadline passed without an attestation;
* two absences without a valid reason at the evaluation interviews.

Nothing here blocks the path: the person keeps their rights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

PRESENTATION: Final = "presentation"
ATTESTATION: Final = "attestation"
ABSENCES: Final = "absences"
KINDS: Final = (PRESENTATION, ATTESTATION, ABSENCES)

#: Unjustified absences at evaluation interviews that open a file.
UNJUSTIFIED_ABSENCES: Final = 2
#: The administrative fine the sanctioning officer may impose, as commonly cited (the
#: texts are uncertain: the bounds in force are settings, ``parcours.RulesConfig``).
FINE_MIN: Final = Decimal("100")
FINE_MAX: Final = Decimal("2500")


@dataclass(frozen=True)
class Breach:
    kind: str
    #: The day the breach happened: the day after the deadline, or the second absence.
    since: date


def presentation_breach(
    *, deadline: date | None, presented_on: date | None, today: date
) -> Breach | None:
    """The presentation deadline (already moved by force majeure) passed before the person
    presented: a breach from the day after, even if the person came later."""
    if deadline is None or deadline >= today:
        return None
    if presented_on is not None and presented_on <= deadline:
        return None
    return Breach(PRESENTATION, deadline + timedelta(days=1))


def attestation_breach(*, deadline: date | None, attested: bool, today: date) -> Breach | None:
    """The attestation deadline in force (suspensions, extensions) passed without one."""
    if deadline is None or attested or deadline >= today:
        return None
    return Breach(ATTESTATION, deadline + timedelta(days=1))


def absences_breach(unjustified_absences: Sequence[date]) -> Breach | None:
    """The dates of the interviews missed without a valid reason: from the second one."""
    days = sorted(unjustified_absences)
    if len(days) < UNJUSTIFIED_ABSENCES:
        return None
    return Breach(ABSENCES, days[UNJUSTIFIED_ABSENCES - 1])


def fine_is_plausible(
    amount: Decimal | None, *, low: Decimal = FINE_MIN, high: Decimal = FINE_MAX
) -> bool:
    return amount is not None and amount.is_finite() and low <= amount <= high
