"""Week views (per office, per staff member) and each staff member's private iCal feed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appointments.models import Appointment, CalendarFeed
from appointments.services import calendar_feed_renew, calendar_feed_revoke
from cainamur.lib.http import is_id
from cainamur.lib.localtime import BRUSSELS, day_bounds
from cainamur.lib.name_order import by_name
from cainamur.lib.tokens import token_digest
from cainamur.models import User
from cainamur.permissions import FILE_ROLES, AuthenticatedHttpRequest, role_required
from offices.models import StaffAvailability
from offices.selectors import visible_offices

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 120


def _monday(value: str) -> date:
    """The Monday of the week asked for; by default this week, or next week at weekends."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = timezone.localdate()
        if day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
    return day - timedelta(days=day.weekday())


#: Beyond this many appointments, an office's week says how many each staff member holds
#: each day (their own week a click away) rather than list thousands of them.
WEEK_ROWS_SHOWN = 150


def _week(queryset: QuerySet[Appointment], monday: date) -> QuerySet[Appointment]:
    start, end = day_bounds(monday, days=7)
    return queryset.filter(during__overlap=DateTimeTZRange(start, end)).exclude(
        status=Appointment.Status.CANCELLED
    )


def week_rows(
    queryset: QuerySet[Appointment], monday: date
) -> list[tuple[date, list[Appointment]]]:
    """Monday to Saturday (Sunday when something is booked then), one list each."""
    rows = list(
        _week(queryset, monday)
        .select_related("type", "staff", "room", "beneficiary", "office")
        .order_by("during", "id")
    )
    days: dict[date, list[Appointment]] = {monday + timedelta(days=n): [] for n in range(6)}
    for appointment in rows:
        day = timezone.localtime(appointment.during.lower).date()
        days.setdefault(day, []).append(appointment)
    return sorted(days.items())


@dataclass(frozen=True)
class StaffWeek:
    """How many appointments a staff member holds each day of the week."""

    staff: User
    counts: list[int]
    total: int


def week_summary(
    queryset: QuerySet[Appointment], monday: date
) -> tuple[list[date], list[StaffWeek]]:
    """The days of the week and, per staff member (French order), their appointments on
    each day (two queries whatever the number of appointments)."""
    days = [monday + timedelta(days=n) for n in range(6)]
    counts: dict[int, dict[date, int]] = defaultdict(dict)
    for staff_id, day, number in (
        _week(queryset, monday)
        .annotate(day=TruncDate(F("during__startswith"), tzinfo=BRUSSELS))
        .values_list("staff_id", "day")
        .annotate(number=Count("id"))
        .order_by()
    ):
        counts[staff_id][day] = number
        if day not in days:
            days.append(day)  # a Sunday with appointments
    days.sort()
    staff = (
        get_user_model()
        .objects.filter(pk__in=counts)
        .order_by(*by_name("last_name", "first_name"), "id")
    )
    return days, [
        StaffWeek(
            staff=person,
            counts=[counts[person.pk].get(day, 0) for day in days],
            total=sum(counts[person.pk].values()),
        )
        for person in staff
    ]


@role_required(*FILE_ROLES)
@require_GET
def week(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A week per office, or per staff member (``personne``) across offices in scope."""
    offices = list(visible_offices(request.user))
    if not offices:
        raise Http404
    monday = _monday(request.GET.get("semaine", ""))
    staff = None
    person = request.GET.get("personne", "")
    queryset = Appointment.objects.filter(office__in=offices)
    if is_id(person):
        staff = (
            get_user_model()
            .objects.filter(pk=int(person), availabilities__office__in=offices)
            .distinct()
            .first()
        )
        if staff is None:
            raise Http404
        queryset = queryset.filter(staff=staff)
        office = None
    else:
        wanted = request.GET.get("bureau", "")
        office = next((o for o in offices if str(o.pk) == wanted), offices[0])
        queryset = queryset.filter(office=office)
    colleagues = (
        get_user_model()
        .objects.filter(
            is_active=True,
            pk__in=StaffAvailability.objects.filter(office__in=offices).values("staff_id"),
        )
        .order_by(*by_name("last_name", "first_name"), "id")
    )
    days: list[tuple[date, list[Appointment]]] | None = None
    summary_days: list[date] = []
    summary: list[StaffWeek] = []
    if staff is None:
        # An office's week: how many each one holds first (one grouped count); the list
        # itself only when it stays readable.
        summary_days, summary = week_summary(queryset, monday)
    if staff is not None or sum(row.total for row in summary) <= WEEK_ROWS_SHOWN:
        days = week_rows(queryset, monday)
        summary_days, summary = [], []
    return render(
        request,
        "appointments/week.html",
        {
            "days": days,
            "summary_days": summary_days,
            "summary": summary,
            "shown": WEEK_ROWS_SHOWN,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "offices": offices,
            "office": office,
            "staff": staff,
            "colleagues": colleagues,
            "today": timezone.localdate(),
        },
    )


@role_required(*FILE_ROLES)
def my_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My week, and my private iCal address (shown once after it is generated)."""
    monday = _monday(request.GET.get("semaine", ""))
    feed_url = request.session.pop("calendar_feed_url", None)
    return render(
        request,
        "appointments/my_calendar.html",
        {
            "days": week_rows(Appointment.objects.filter(staff=request.user), monday),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "feed_exists": CalendarFeed.objects.filter(staff=request.user).exists(),
            "feed_url": feed_url,
            "today": timezone.localdate(),
        },
    )


@role_required(*FILE_ROLES)
@require_POST
def feed_regenerate(request: AuthenticatedHttpRequest) -> HttpResponse:
    token = calendar_feed_renew(staff=request.user)
    # Shown once on the next page (kept in the session, never in a URL of ours but the
    # feed's own).
    request.session["calendar_feed_url"] = settings.CAI_PUBLIC_URL + reverse(
        "appointments:ical", args=[token]
    )
    messages.success(request, _("Nouvelle adresse créée : l'ancienne ne fonctionne plus."))
    return redirect("appointments:mine")


@role_required(*FILE_ROLES)
@require_POST
def feed_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    calendar_feed_revoke(staff=request.user)
    messages.success(request, _("Le flux iCal est désactivé."))
    return redirect("appointments:mine")


@login_not_required
@require_GET
def ical(request: HttpRequest, token: str) -> HttpResponse:  # noqa: ARG001 - a Django view
    """The feed a calendar application subscribes to. It names people by file number only:
    calendars sync to phones and third-party services."""
    feed = (
        CalendarFeed.objects.filter(token_sha256=token_digest(token))
        .select_related("staff")
        .first()
    )
    if feed is None or not feed.staff.is_active:
        raise Http404
    now = timezone.now()
    rows = (
        Appointment.objects.filter(
            staff=feed.staff,
            during__overlap=DateTimeTZRange(
                now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS)
            ),
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("type", "office", "room", "beneficiary")
        .order_by("during")
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//CAI Namur//Agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("CAI — rendez-vous de %(name)s") % {"name": feed.staff})
    for appointment in rows:
        event = icalendar.Event()
        event.add("uid", f"appointment-{appointment.pk}@{settings.OUTBOX_MESSAGE_ID_DOMAIN}")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.during.lower)
        event.add("dtend", appointment.during.upper)
        who = appointment.beneficiary.file_number if appointment.beneficiary else _("séance")
        event.add("summary", f"{appointment.type.name} — {who}")
        place = appointment.office.name + (f", {appointment.room.name}" if appointment.room else "")
        event.add("location", place)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cai-agenda.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
