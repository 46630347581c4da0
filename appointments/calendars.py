"""Week views (per office, per staff member) and each staff member's private iCal feed."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appointments.models import Appointment, CalendarFeed
from appointments.services import calendar_feed_renew, calendar_feed_revoke
from cainamur.lib.http import is_id
from cainamur.lib.localtime import day_bounds
from cainamur.lib.name_order import by_name
from cainamur.lib.tokens import token_digest
from cainamur.permissions import FILE_ROLES, AuthenticatedHttpRequest, role_required
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


def week_rows(
    queryset: QuerySet[Appointment], monday: date
) -> list[tuple[date, list[Appointment]]]:
    """Monday to Saturday (Sunday when something is booked then), one list each."""
    start, end = day_bounds(monday, days=7)
    rows = list(
        queryset.filter(during__overlap=DateTimeTZRange(start, end))
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("type", "staff", "room", "beneficiary", "office")
        .order_by("during", "id")
    )
    days: dict[date, list[Appointment]] = {monday + timedelta(days=n): [] for n in range(6)}
    for appointment in rows:
        day = timezone.localtime(appointment.during.lower).date()
        days.setdefault(day, []).append(appointment)
    return sorted(days.items())


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
        .objects.filter(is_active=True, availabilities__office__in=offices)
        .distinct()
        .order_by(*by_name("last_name", "first_name"), "id")
    )
    return render(
        request,
        "appointments/week.html",
        {
            "days": week_rows(queryset, monday),
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
