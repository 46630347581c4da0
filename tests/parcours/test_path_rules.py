from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.rules import presentation_breach
from parcours.path_rules import (
    Period,
    axis_deadline,
    effective_deadline,
    next_evaluation_due,
    propose_axes,
    shift_for_suspensions,
)
from parcours.rules import PersonFacts, assess_obligation, subject_on

COVID = Period(date(2020, 3, 18), date(2020, 4, 30))  # 44 days


@pytest.mark.parametrize(
    ("level", "wants", "french", "orientation"),
    [
        ("below_a1", False, True, False),
        ("a1", True, True, True),
        ("a2_plus", False, False, False),
        ("", True, True, True),
    ],
)
def test_propose_axes(level: str, wants: bool, french: bool, orientation: bool) -> None:
    proposal = propose_axes(french_level=level, wants_orientation=wants)
    assert (proposal.french_required, proposal.orientation_required) == (french, orientation)


def test_unknown_level() -> None:
    with pytest.raises(ValueError):
        propose_axes(french_level="b2", wants_orientation=False)


def test_global_suspension_pushes_a_running_deadline() -> None:
    deadline = date(2020, 6, 1)
    assert shift_for_suspensions(
        deadline, running_from=date(2019, 12, 1), suspensions=[COVID]
    ) == deadline + timedelta(days=44)


def test_suspension_before_the_path_or_after_the_deadline_changes_nothing() -> None:
    assert shift_for_suspensions(
        date(2021, 9, 1), running_from=date(2021, 1, 1), suspensions=[COVID]
    ) == date(2021, 9, 1)
    assert shift_for_suspensions(
        date(2020, 3, 1), running_from=date(2019, 1, 1), suspensions=[COVID]
    ) == date(2020, 3, 1)


def test_path_starting_during_a_suspension_counts_only_the_remaining_days() -> None:
    assert shift_for_suspensions(
        date(2020, 8, 1), running_from=date(2020, 4, 21), suspensions=[COVID]
    ) == date(2020, 8, 11)


def test_a_suspension_reached_only_because_of_the_shift_counts_too() -> None:
    first = Period(date(2024, 1, 1), date(2024, 1, 10))
    later = Period(date(2024, 2, 5), date(2024, 2, 6))
    # 10 days push 31 Jan to 10 Feb, which now covers the later period: +2.
    assert shift_for_suspensions(
        date(2024, 1, 31), running_from=date(2023, 12, 1), suspensions=[later, first]
    ) == date(2024, 2, 12)


def test_overlapping_periods_count_days_once() -> None:
    a = Period(date(2024, 1, 1), date(2024, 1, 10))
    b = Period(date(2024, 1, 5), date(2024, 1, 12))
    assert shift_for_suspensions(
        date(2024, 3, 1), running_from=date(2023, 1, 1), suspensions=[a, b]
    ) == date(2024, 3, 13)


def test_extension_wins_when_later() -> None:
    base = date(2026, 6, 1)
    assert effective_deadline(
        base, running_from=date(2025, 1, 1), extended_to=date(2026, 12, 1)
    ) == date(2026, 12, 1)
    assert effective_deadline(
        base,
        running_from=date(2025, 1, 1),
        suspensions=[Period(date(2026, 1, 1), date(2026, 1, 31))],
        extended_to=date(2026, 6, 15),
    ) == date(2026, 7, 2)
    assert effective_deadline(None, running_from=None) is None


def test_axis_deadlines_and_evaluations() -> None:
    assert axis_deadline("citizenship", date(2026, 10, 31)) == date(2027, 2, 28)
    assert axis_deadline("french", date(2026, 1, 15)) == date(2027, 5, 15)
    assert axis_deadline("orientation", date(2026, 1, 15)) is None
    assert axis_deadline("french", None) is None
    assert next_evaluation_due(date(2026, 8, 31)) == date(2027, 2, 28)


def test_period_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        Period(date(2024, 2, 1), date(2024, 1, 1))


periods = st.builds(
    lambda start, length: Period(start, start + timedelta(days=length)),
    st.dates(date(2015, 1, 1), date(2030, 1, 1)),
    st.integers(0, 90),
)


@given(
    st.dates(date(2015, 1, 1), date(2030, 1, 1)),
    st.dates(date(2015, 1, 1), date(2030, 1, 1)),
    st.lists(periods, max_size=4),
)
def test_suspensions_never_shorten_and_are_order_free(
    deadline: date, start: date, suspensions: list[Period]
) -> None:
    shifted = shift_for_suspensions(deadline, running_from=start, suspensions=suspensions)
    assert shifted >= deadline
    total_days = sum((p.end - p.start).days + 1 for p in suspensions)
    assert (shifted - deadline).days <= total_days
    assert shifted == shift_for_suspensions(
        deadline, running_from=start, suspensions=list(reversed(suspensions))
    )


# Late presentation with force majeure, through the pure functions only: the rules give the
# deadline (3 months after the person became subject), force majeure stops the clock for
# its days from that day, and a breach stands only when the moved deadline passed before
# the person came. Registered 10/03/2023, permit ordered 01/04/2023: deadline 01/07/2023.
@pytest.mark.parametrize(
    ("force_majeure", "presented_on", "today", "moved_to", "breach_since"),
    [
        pytest.param([], None, date(2023, 7, 2), date(2023, 7, 1), date(2023, 7, 2), id="late"),
        pytest.param([], date(2023, 7, 1), date(2023, 9, 1), date(2023, 7, 1), None, id="on-time"),
        pytest.param(
            [Period(date(2023, 5, 1), date(2023, 5, 31))],
            date(2023, 7, 20),
            date(2023, 9, 1),
            date(2023, 8, 1),
            None,
            id="a-month-in-hospital-then-came-in-the-moved-window",
        ),
        pytest.param(
            [Period(date(2023, 5, 1), date(2023, 5, 31))],
            date(2023, 8, 2),
            date(2023, 9, 1),
            date(2023, 8, 1),
            date(2023, 8, 2),
            id="force-majeure-but-still-late",
        ),
        pytest.param(
            [Period(date(2023, 1, 1), date(2023, 3, 31))],
            None,
            date(2023, 7, 15),
            date(2023, 7, 1),
            date(2023, 7, 2),
            id="force-majeure-before-becoming-subject-moves-nothing",
        ),
        pytest.param(
            [Period(date(2023, 6, 20), date(2023, 7, 10))],
            None,
            date(2023, 7, 15),
            date(2023, 7, 22),
            None,
            id="straddling-the-deadline",
        ),
    ],
)
def test_late_presentation_with_force_majeure(
    force_majeure: list[Period],
    presented_on: date | None,
    today: date,
    moved_to: date,
    breach_since: date | None,
) -> None:
    facts = PersonFacts(
        birth_date=date(1990, 6, 15),
        nationality="MA",
        first_registration_on=date(2023, 3, 10),
        permit_ordered_on=date(2023, 4, 1),
    )
    deadline = assess_obligation(facts, date(2023, 4, 2)).presentation_deadline
    assert deadline == date(2023, 7, 1)
    subject = subject_on(facts)
    assert subject is not None
    moved = shift_for_suspensions(deadline, running_from=subject, suspensions=force_majeure)
    assert moved == moved_to
    breach = presentation_breach(deadline=moved, presented_on=presented_on, today=today)
    assert (breach.since if breach else None) == breach_since
