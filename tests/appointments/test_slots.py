"""The slot finder and calendar helpers, as pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from appointments.slots import (
    StaffCalendar,
    find_slots,
    intersect,
    merge,
    subtract,
    weekly_windows,
)
from cainamur.lib.localtime import local

MORNING = [(time(9), time(12, 30))]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_daylight_saving_weeks_keep_the_wall_clock() -> None:
    # Summer time starts on Sunday 29 March 2026 and ends on Sunday 25 October 2026.
    assert local(date(2026, 3, 27), time(9)) == utc(2026, 3, 27, 8)
    assert local(date(2026, 3, 30), time(9)) == utc(2026, 3, 30, 7)
    assert local(date(2026, 10, 23), time(9)) == utc(2026, 10, 23, 7)
    assert local(date(2026, 10, 26), time(9)) == utc(2026, 10, 26, 8)
    windows = weekly_windows([date(2026, 3, 27), date(2026, 3, 30)], {0: MORNING, 4: MORNING})
    assert [w[1] - w[0] for w in windows] == [timedelta(hours=3, minutes=30)] * 2


def test_interval_arithmetic() -> None:
    a = [(utc(2026, 1, 5, 8), utc(2026, 1, 5, 12))]
    b = [(utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)), (utc(2026, 1, 5, 11), utc(2026, 1, 5, 13))]
    assert intersect(a, b) == [
        (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)),
        (utc(2026, 1, 5, 11), utc(2026, 1, 5, 12)),
    ]
    assert subtract(a, merge(b)) == [
        (utc(2026, 1, 5, 8), utc(2026, 1, 5, 9)),
        (utc(2026, 1, 5, 10), utc(2026, 1, 5, 11)),
    ]


def _calendar(
    staff_id: int, days: list[date], busy: tuple[tuple[datetime, datetime], ...] = ()
) -> StaffCalendar:
    presence = weekly_windows(days, {d.weekday(): MORNING for d in days})
    return StaffCalendar(staff_id, presence, list(busy))


def test_slots_respect_hours_bookings_absences_and_the_person() -> None:
    monday = date(2026, 1, 5)
    office = weekly_windows([monday], {0: MORNING})
    busy = [(local(monday, time(9)), local(monday, time(10)))]  # a booking 9-10
    found = find_slots(
        office_open=office,
        staff=[_calendar(1, [monday], tuple(busy))],
        duration=timedelta(hours=1),
        person_busy=[(local(monday, time(10, 30)), local(monday, time(11)))],
        not_before=utc(2026, 1, 1),
    )
    assert [timezone_free(s) for s in found] == ["11:00", "11:15", "11:30"]
    assert all(s.staff_id == 1 and s.end - s.start == timedelta(hours=1) for s in found)


def timezone_free(slot: object) -> str:
    from cainamur.lib.localtime import BRUSSELS

    return slot.start.astimezone(BRUSSELS).strftime("%H:%M")  # type: ignore[attr-defined]


def test_a_second_staff_member_fills_the_gap_and_rooms_are_needed() -> None:
    monday = date(2026, 1, 5)
    office = weekly_windows([monday], {0: MORNING})
    first_busy = [(local(monday, time(9)), local(monday, time(12, 30)))]
    found = find_slots(
        office_open=office,
        staff=[_calendar(1, [monday], tuple(first_busy)), _calendar(2, [monday])],
        duration=timedelta(minutes=60),
        rooms={7: [(local(monday, time(9)), local(monday, time(11)))]},
        not_before=utc(2026, 1, 1),
    )
    assert [timezone_free(s) for s in found][:2] == ["11:00", "11:15"]
    assert {s.staff_id for s in found} == {2} and {s.room_id for s in found} == {7}


def test_nothing_in_the_past_nor_on_closed_days() -> None:
    monday, tuesday = date(2026, 1, 5), date(2026, 1, 6)
    office = weekly_windows([monday, tuesday], {0: MORNING, 1: MORNING}, closed={tuesday})
    found = find_slots(
        office_open=office,
        staff=[_calendar(1, [monday, tuesday])],
        duration=timedelta(minutes=30),
        not_before=local(monday, time(11, 50)),
    )
    assert [timezone_free(s) for s in found] == ["12:00"]
