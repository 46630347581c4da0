from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.path_rules import (
    Period,
    axis_deadline,
    effective_deadline,
    next_evaluation_due,
    propose_axes,
    shift_for_suspensions,
)

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
