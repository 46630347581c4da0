"""Reads of calendars: the rows the slot finder needs (a fixed number of queries), the
day agenda, a person's appointments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments import slots
from appointments.models import ACTIVE_STATUSES, Appointment, AppointmentType, Seat
from beneficiaries.models import Beneficiary
from cainamur.lib import localtime
from cainamur.lib.name_order import by_name
from cainamur.models import User
from cainamur.roles import GROUP_NAMES, Role
from offices.models import Absence, Office, OpeningHours, Room, StaffAvailability
from offices.selectors import closed_days


def _weekly(rows: Iterable[tuple[int, time, time]]) -> dict[int, list[tuple[time, time]]]:
    weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, opens, closes in rows:
        weekly[weekday].append((opens, closes))
    return weekly


def eligible_staff(office: Office, kind: AppointmentType) -> QuerySet[User]:
    groups = [GROUP_NAMES[Role(role)] for role in kind.roles]
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=groups, availabilities__office=office)
        .distinct()
        .order_by(*by_name("last_name", "first_name"), "id")
    )


def slot_search(
    *,
    office: Office,
    kind: AppointmentType,
    first: date,
    last: date,
    beneficiary: Beneficiary | None = None,
    now: datetime | None = None,
    limit: int = 12,
    staff_ids: list[int] | None = None,
    step: timedelta = slots.STEP,
) -> list[slots.Slot]:
    """The next free slots for ``kind`` at ``office`` between ``first`` and ``last``, one
    per start time (every ``step``)."""
    now = now or timezone.now()
    days = localtime.days_between(first, last)
    closed = set(closed_days(office, first, last))
    office_open = slots.weekly_windows(
        days,
        _weekly(
            OpeningHours.objects.filter(
                office=office, kind=OpeningHours.Kind.RECEPTION
            ).values_list("weekday", "opens", "closes")
        ),
        closed=closed,
    )
    if not office_open:
        return []
    period = DateTimeTZRange(office_open[0][0], office_open[-1][1])
    staff = list(eligible_staff(office, kind).values_list("id", flat=True))
    if staff_ids is not None:
        staff = [s for s in staff if s in staff_ids]
    rooms: dict[int, list[localtime.Interval]] | None = None
    if kind.needs_room:
        rooms = {
            room_id: []
            for room_id in Room.objects.filter(office=office, is_active=True)
            .order_by("capacity", "name")
            .values_list("id", flat=True)
        }
        for room_id, starts, ends in _bounds(
            Appointment.objects.filter(
                room_id__in=list(rooms), status__in=ACTIVE_STATUSES, during__overlap=period
            ),
            "room_id",
        ):
            rooms[room_id].append((starts, ends))
    person: list[localtime.Interval] = []
    if beneficiary is not None:
        person = person_busy(beneficiary, period)
    return slots.find_slots(
        office_open=office_open,
        staff=_calendars(office, staff, days=days, closed=closed, period=period),
        duration=timedelta(minutes=kind.duration_minutes),
        rooms=rooms,
        person_busy=person,
        not_before=now,
        limit=limit,
        step=step,
    )


#: Staff members whose calendars are read at a time (the slot finder takes them in order
#: and stops once every start time has someone).
STAFF_BATCH = 200


def _calendars(
    office: Office,
    staff: list[int],
    *,
    days: list[date],
    closed: set[date],
    period: DateTimeTZRange,
) -> Iterator[slots.StaffCalendar]:
    """The staff members' calendars over the period, in their order, read a batch at a
    time (three queries a batch) as the slot finder asks for them."""
    for at in range(0, len(staff), STAFF_BATCH):
        batch = staff[at : at + STAFF_BATCH]
        presence: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for staff_id, weekday, starts, ends in StaffAvailability.objects.filter(
            office=office, staff_id__in=batch
        ).values_list("staff_id", "weekday", "starts", "ends"):
            presence[staff_id][weekday].append((starts, ends))
        busy: dict[int, list[localtime.Interval]] = defaultdict(list)
        for staff_id, starts, ends in _bounds(
            Appointment.objects.filter(
                staff_id__in=batch, status__in=ACTIVE_STATUSES, during__overlap=period
            ),
            "staff_id",
        ):
            busy[staff_id].append((starts, ends))
        for staff_id, during in Absence.objects.filter(
            staff_id__in=batch, during__overlap=period
        ).values_list("staff_id", "during"):
            # An absence « until further notice » has no end: it covers the whole period.
            busy[staff_id].append((during.lower or period.lower, during.upper or period.upper))
        for staff_id in batch:
            yield slots.StaffCalendar(
                staff_id=staff_id,
                presence=slots.weekly_windows(days, presence[staff_id], closed=closed),
                busy=busy[staff_id],
            )


def day_capacity(office: Office, kind: AppointmentType, first: date, last: date) -> dict[date, int]:
    """How many appointments of ``kind`` the staff who hold it could have at ``office``
    each day (their weekly presence within the reception hours, closures excepted),
    whether booked or not: what the online share is a share of."""
    days = localtime.days_between(first, last)
    closed = set(closed_days(office, first, last))
    weekly = _weekly(
        OpeningHours.objects.filter(office=office, kind=OpeningHours.Kind.RECEPTION).values_list(
            "weekday", "opens", "closes"
        )
    )
    presence: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for staff_id, weekday, starts, ends in StaffAvailability.objects.filter(
        office=office, staff__in=eligible_staff(office, kind)
    ).values_list("staff_id", "weekday", "starts", "ends"):
        presence[staff_id][weekday].append((starts, ends))
    duration = timedelta(minutes=kind.duration_minutes)
    capacity = {}
    for day in days:
        office_open = slots.weekly_windows([day], weekly, closed=closed)
        capacity[day] = sum(
            slots.fits(
                slots.intersect(
                    slots.merge(office_open),
                    slots.merge(slots.weekly_windows([day], by_day, closed=closed)),
                ),
                duration,
            )
            for by_day in presence.values()
        )
    return capacity


def online_booked(office: Office, first: date, last: date) -> dict[date, int]:
    """Appointments booked online (still to be held, or held) at ``office`` per day."""
    start, _end = localtime.day_bounds(first)
    _start, end = localtime.day_bounds(last)
    counted: dict[date, int] = defaultdict(int)
    for begins in Appointment.objects.filter(
        office=office,
        online_booking__isnull=False,
        status__in=ACTIVE_STATUSES,
        during__overlap=DateTimeTZRange(start, end),
    ).values_list("during__startswith", flat=True):
        counted[timezone.localtime(begins, localtime.BRUSSELS).date()] += 1
    return counted


def _bounds(appointments: QuerySet[Appointment], key: str) -> QuerySet[Any]:
    """(key, start, end) of each appointment: the two ends read as timestamps, which the
    driver parses in C, not as a range (parsed in Python: ~15 µs a row, thousands of rows
    over two weeks of a large office)."""
    return appointments.order_by().values_list(key, "during__startswith", "during__endswith")


LIVE_SEAT_STATUSES = (Seat.Status.BOOKED, Seat.Status.ARRIVED, Seat.Status.NO_SHOW)


def person_busy(beneficiary: Beneficiary, period: DateTimeTZRange) -> list[localtime.Interval]:
    """A person's own appointments and group-session seats in the period."""
    own = Appointment.objects.filter(
        beneficiary=beneficiary, status__in=ACTIVE_STATUSES, during__overlap=period
    ).values_list("during", flat=True)
    sessions = Appointment.objects.filter(
        seats__beneficiary=beneficiary,
        seats__status__in=[Seat.Status.BOOKED, Seat.Status.ARRIVED],
        status__in=ACTIVE_STATUSES,
        during__overlap=period,
    ).values_list("during", flat=True)
    return [(d.lower, d.upper) for d in [*own, *sessions]]


#: Rows of the day agenda per page: a large office holds hundreds of appointments a day.
AGENDA_PER_PAGE = 50


def day_agenda(office: Office, day: date) -> QuerySet[Appointment]:
    """Every appointment and session of an office on a day, in order (fixed query count
    per page: the seats of a page's sessions in one more query)."""
    start, end = localtime.day_bounds(day)
    return (
        Appointment.objects.filter(office=office, during__overlap=DateTimeTZRange(start, end))
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("type", "staff", "room", "beneficiary", "online_booking")
        # Counted for the rows of the page only (a sub-query PostgreSQL runs after the
        # LIMIT), not by grouping the whole day's rows joined to their relations.
        .annotate(
            seats_taken=Coalesce(
                Subquery(
                    Seat.objects.filter(
                        session=OuterRef("pk"), status__in=[Seat.Status.BOOKED, Seat.Status.ARRIVED]
                    )
                    .order_by()
                    .values("session")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )
        )
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=Seat.objects.exclude(status=Seat.Status.CANCELLED)
                .select_related("beneficiary")
                .order_by(*by_name("beneficiary__last_name", "beneficiary__first_names"), "id"),
            )
        )
        .order_by("during", "id")
    )


def agenda_page_of(appointment: Appointment) -> int:
    """The page of its office's day agenda that shows this appointment (where a button
    on it brings the person back)."""
    day = timezone.localtime(appointment.during.lower).date()
    start, end = localtime.day_bounds(day)
    before = (
        Appointment.objects.filter(
            office=appointment.office_id, during__overlap=DateTimeTZRange(start, end)
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .filter(
            Q(during__lt=appointment.during) | Q(during=appointment.during, id__lt=appointment.pk)
        )
        .count()
    )
    return before // AGENDA_PER_PAGE + 1


def person_appointments(beneficiary: Beneficiary) -> list[Appointment]:
    """A file's appointments, individual and group seats, newest first."""
    # Its own and its sessions', each found through its index (an OR across the seats'
    # join would read every appointment).
    own = Appointment.objects.filter(beneficiary=beneficiary).values("pk")
    sessions = Seat.objects.filter(beneficiary=beneficiary, status__in=LIVE_SEAT_STATUSES).values(
        "session_id"
    )
    return list(
        Appointment.objects.filter(pk__in=own.union(sessions))
        .select_related("type", "staff", "office", "room")
        .prefetch_related("dispatches")
        .order_by("-during")
    )


def today_appointments(user: User) -> list[Appointment]:
    """Today's appointments in the user's offices, for reception's home."""
    day = timezone.localdate()
    start, end = localtime.day_bounds(day)
    offices = (
        Office.objects.all()
        if user.sees_all_offices
        else Office.objects.filter(id__in=user.office_ids)
    )
    return list(
        Appointment.objects.filter(office__in=offices, during__overlap=DateTimeTZRange(start, end))
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("type", "staff", "beneficiary", "office")
        .order_by("during", "id")[:50]
    )
