"""Calendars as plain data: office windows and the slot finder.

Pure functions (no database): the selectors fetch the rows, these compute. Times are
aware datetimes; windows are built from local wall-clock hours (Europe/Brussels) and the
arithmetic runs in UTC, so the weeks when daylight-saving time starts or ends need no
special case.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cainamur.lib.localtime import Interval, local


def weekly_windows(
    days: Iterable[date],
    weekly: Mapping[int, Sequence[tuple[time, time]]],
    *,
    closed: AbstractSet[date] = frozenset(),
) -> list[Interval]:
    """Expand weekly hours ({weekday: [(from, to)]}) over ``days``, skipping closed days."""
    windows = []
    for day in days:
        if day in closed:
            continue
        for opens, closes in sorted(weekly.get(day.weekday(), ())):
            windows.append((local(day, opens), local(day, closes)))
    return windows


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Both sorted and non-overlapping."""
    result, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(free: Sequence[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """``free`` minus ``busy`` (both sorted; ``busy`` merged)."""
    result = []
    for start, end in free:
        cursor = start
        k = bisect.bisect_left(busy, (start,)) - 1
        k = max(k, 0)
        while k < len(busy) and busy[k][0] < end:
            b_start, b_end = busy[k]
            if b_end > cursor:
                if b_start > cursor:
                    result.append((cursor, min(b_start, end)))
                cursor = max(cursor, b_end)
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return [(s, e) for s, e in result if s < e]


def overlaps(intervals: Sequence[Interval], start: datetime, end: datetime) -> bool:
    """Whether [start, end) meets any of the sorted, merged ``intervals``."""
    k = bisect.bisect_left(intervals, (end,))
    return k > 0 and intervals[k - 1][1] > start


@dataclass(frozen=True)
class StaffCalendar:
    staff_id: int
    presence: list[Interval]  # when they are at this office (weekly pattern, expanded)
    busy: list[Interval]  # their appointments anywhere, and absences


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    staff_id: int
    room_id: int | None


#: Start times the finder tries (every quarter of an hour).
STEP = timedelta(minutes=15)


def fits(windows: Sequence[Interval], duration: timedelta) -> int:
    """How many appointments of ``duration`` fit one after the other in the windows."""
    return sum((end - start) // duration for start, end in windows if end > start)


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = -((epoch - moment) // step)  # ceiling division
    return epoch + steps * step


def _starts(start: datetime, end: datetime, duration: timedelta, step: timedelta) -> list[datetime]:
    candidate = _ceil(start, step)
    starts = []
    while candidate + duration <= end:
        starts.append(candidate)
        candidate += step
    return starts


def find_slots(
    *,
    office_open: Sequence[Interval],
    staff: Iterable[StaffCalendar],
    duration: timedelta,
    rooms: dict[int, list[Interval]] | None = None,
    person_busy: Sequence[Interval] = (),
    not_before: datetime,
    step: timedelta = STEP,
    limit: int = 12,
) -> list[Slot]:
    """The next free slots, earliest first, one per start time (the first staff member
    free then, in the order given; ``staff`` is read no further than needed). ``rooms``
    (room id → busy intervals) is None when the type needs no room; otherwise a slot
    needs one free room."""
    open_merged = merge(office_open)
    person = merge(person_busy)
    room_busy = {room: merge(busy) for room, busy in (rooms or {}).items()}
    by_start: dict[datetime, Slot] = {}
    # Every start time the office and the person allow: once each has its staff member,
    # the next ones in the order cannot change the answer.
    possible = {
        candidate
        for start, end in open_merged
        for candidate in _starts(max(start, not_before), end, duration, step)
        if not overlaps(person, candidate, candidate + duration)
    }
    for calendar in staff if possible else ():
        free = subtract(intersect(open_merged, merge(calendar.presence)), merge(calendar.busy))
        for start, end in free:
            candidate = _ceil(max(start, not_before), step)
            while candidate + duration <= end:
                finish = candidate + duration
                if candidate not in by_start and not overlaps(person, candidate, finish):
                    room_id = None
                    if rooms is not None:
                        room_id = next(
                            (
                                r
                                for r, busy in room_busy.items()
                                if not overlaps(busy, candidate, finish)
                            ),
                            None,
                        )
                    if rooms is None or room_id is not None:
                        by_start[candidate] = Slot(candidate, finish, calendar.staff_id, room_id)
                candidate += step
        if len(by_start) == len(possible):
            break
    return [by_start[start] for start in sorted(by_start)[:limit]]
