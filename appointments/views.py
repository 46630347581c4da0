"""Reception's screens: book an appointment (the slot finder), the day agenda of an
office, and the status buttons (arrived, done, no-show, cancel)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments import online, services
from appointments.forms import BookForm, ReasonForm, SlotSearchForm
from appointments.models import Appointment, AppointmentType, Seat
from appointments.selectors import AGENDA_PER_PAGE, agenda_page_of, day_agenda, slot_search
from beneficiaries.models import Beneficiary
from beneficiaries.selectors import beneficiary_search, scoped_files
from cainamur import exports
from cainamur.lib.http import int_or_404, is_id
from cainamur.lib.localtime import BRUSSELS
from cainamur.lib.pagination import CappedCountPaginator
from cainamur.models import User
from cainamur.permissions import EDIT_ROLES, FILE_ROLES, AuthenticatedHttpRequest, role_required
from offices.models import Office
from offices.selectors import visible_offices

SEARCH_DAYS = 14
SLOTS_SHOWN = 1000  # every free start time of the two weeks


def visible_appointments(user: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(office__in=visible_offices(user))


def _booking_url(beneficiary_pk: int, **params: int) -> str:
    query = {"dossier": beneficiary_pk, **{k: v for k, v in params.items() if v}}
    return reverse("appointments:book") + "?" + urlencode(query)


@role_required(*FILE_ROLES)
@require_http_methods(["GET", "POST"])
def book(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose type and office, see the next free slots over two weeks, book one."""
    moving = None
    if is_id(request.GET.get("reporter", "")):
        moving = get_object_or_404(
            visible_appointments(request.user).filter(
                status=Appointment.Status.BOOKED, beneficiary__isnull=False
            ),
            pk=int(request.GET["reporter"]),
        )
    dossier = str(moving.beneficiary_id) if moving else request.GET.get("dossier", "")
    if not is_id(dossier):
        return find_person(request)
    beneficiary = get_object_or_404(scoped_files(request.user), pk=int(dossier))
    data: Mapping[str, object] | None = request.GET if "type" in request.GET else None
    return _book_page(request, beneficiary=beneficiary, moving=moving, data=data)


def _book_page(
    request: AuthenticatedHttpRequest,
    *,
    beneficiary: Beneficiary,
    moving: Appointment | None,
    data: Mapping[str, object] | None,
    book_form: BookForm | None = None,
) -> HttpResponse:
    """The slot finder; with ``book_form``, a refused booking shown again as typed (the
    chosen slot still checked when it is still free, the errors under their fields),
    answered 400."""
    offices = visible_offices(request.user)
    if moving:  # a reschedule keeps its type and office; only the date can change
        data = {
            "type": moving.type_id,
            "office": moving.office_id,
            "since": (data or request.GET).get("since", ""),
        }
    form = SlotSearchForm(data, offices=offices, initial={"office": beneficiary.office_id})
    context: dict[str, Any] = {"beneficiary": beneficiary, "form": form, "moving": moving}
    if form.is_bound and form.is_valid():
        kind: AppointmentType = form.cleaned_data["type"]
        office: Office = form.cleaned_data["office"]
        first = max(form.cleaned_data["since"] or timezone.localdate(), timezone.localdate())
        context.update(kind=kind, office=office, first=first)
        if kind.is_group:
            context["sessions"] = upcoming_sessions(office, kind, first)
            if request.user.has_role(*EDIT_ROLES):
                # Where a new session could be planned (staff, room and time free).
                planned = slot_search(
                    office=office,
                    kind=kind,
                    first=first,
                    last=first + timedelta(days=SEARCH_DAYS - 1),
                    limit=8,
                )
                staff = get_user_model().objects.in_bulk({s.staff_id for s in planned})
                context["session_slots"] = [
                    {
                        "value": f"{s.staff_id}|{s.start.isoformat()}|{s.room_id or ''}",
                        "start": timezone.localtime(s.start, BRUSSELS),
                        "staff": staff.get(s.staff_id),
                    }
                    for s in planned
                ]
        else:
            found = slot_search(
                office=office,
                kind=kind,
                first=first,
                last=first + timedelta(days=SEARCH_DAYS - 1),
                beneficiary=beneficiary,
                limit=SLOTS_SHOWN,
            )
            staff = get_user_model().objects.in_bulk({s.staff_id for s in found})
            # Labels made once per staff member, not once per button (hundreds of them in
            # a large office's two weeks).
            names = {
                pk: (str(person), person.first_name or str(person)) for pk, person in staff.items()
            }
            by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
            for number, slot in enumerate(found, start=1):
                start = timezone.localtime(slot.start, BRUSSELS)
                name, short = names.get(slot.staff_id, ("", ""))
                by_day[start.date()].append(
                    {
                        "id": number,
                        "value": f"{slot.staff_id}|{slot.start.isoformat()}",
                        "start": start,
                        "time": f"{start:%H:%M}",
                        "staff": staff.get(slot.staff_id),
                        "staff_name": name,
                        "staff_short": short,
                    }
                )
            context["days"] = sorted(by_day.items())
            context["next_since"] = first + timedelta(days=SEARCH_DAYS)
        context["book_form"] = book_form or BookForm(
            moving=moving is not None,
            initial={
                "interpreter_language": beneficiary.interpreter_language
                if beneficiary.interpreter_needed
                else ""
            },
        )
        context["chosen_slot"] = book_form.data.get("slot", "") if book_form else ""
    return render(
        request, "appointments/book.html", context, status=200 if book_form is None else 400
    )


def find_person(request: AuthenticatedHttpRequest) -> HttpResponse:
    """First step of a booking: find the file (POSTed search: names stay out of URLs) or
    open one on the spot."""

    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    found = list(beneficiary_search(scoped_files(request.user), query)[:15]) if query else []
    return render(request, "appointments/book_find.html", {"query": query, "found": found})


def upcoming_sessions(office: Office, kind: AppointmentType, first: date) -> list[Appointment]:

    start = max(datetime.combine(first, datetime.min.time(), tzinfo=BRUSSELS), timezone.now())
    return list(
        Appointment.objects.filter(
            office=office,
            type=kind,
            status=Appointment.Status.BOOKED,
            during__startswith__gte=start,
        )
        .select_related("staff", "room")
        .annotate(
            seats_taken=Count(
                "seats", filter=Q(seats__status__in=[Seat.Status.BOOKED, Seat.Status.ARRIVED])
            )
        )
        .order_by("during")[:20]
    )


@role_required(*FILE_ROLES)
@require_POST
def book_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    beneficiary = get_object_or_404(
        scoped_files(request.user), pk=int_or_404(request.POST, "dossier")
    )
    kind = get_object_or_404(AppointmentType, pk=int_or_404(request.POST, "type"), is_active=True)
    office = get_object_or_404(visible_offices(request.user), pk=int_or_404(request.POST, "office"))
    moving = None
    if is_id(request.POST.get("reporter", "")):
        moving = get_object_or_404(
            visible_appointments(request.user), pk=int(request.POST["reporter"])
        )
    form = BookForm(request.POST, moving=moving is not None)

    def refused() -> HttpResponse:
        """The booking page again, with the chosen slot, the remark and the errors."""
        search = {"type": kind.pk, "office": office.pk, "since": request.POST.get("since", "")}
        return _book_page(
            request, beneficiary=beneficiary, moving=moving, data=search, book_form=form
        )

    if not form.is_valid():
        return refused()
    staff_id, start = form.cleaned_data["slot"]
    try:
        if moving is not None:
            appointment = services.appointment_reschedule(
                appointment=moving,
                staff_id=staff_id,
                start=start,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        else:
            appointment = services.appointment_book(
                beneficiary=beneficiary,
                kind=kind,
                office=office,
                staff_id=staff_id,
                start=start,
                by=request.user,
                interpreter_language=form.cleaned_data["interpreter_language"],
                notes=form.cleaned_data["notes"],
            )
    except services.SlotTaken as error:
        # A lost race or a slot gone meanwhile: said on the slots, which are fresh.
        form.add_error("slot", str(error) + " " + _("Voici les créneaux encore libres."))
        return refused()
    except services.BookingError as error:
        form.add_error(None, str(error))
        return refused()
    start_local = timezone.localtime(appointment.during.lower, BRUSSELS)
    messages.success(
        request,
        _("Rendez-vous « %(type)s » le %(date)s à %(time)s avec %(staff)s (%(office)s).")
        % {
            "type": kind.name,
            "date": start_local.strftime("%d/%m/%Y"),
            "time": start_local.strftime("%H:%M"),
            "staff": appointment.staff,
            "office": office.name,
        },
    )
    return redirect(reverse("beneficiaries:detail", args=[beneficiary.pk]) + "#rendez-vous")


@role_required(*EDIT_ROLES)
@require_POST
def session_plan(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Plan a new group session in a free slot (caseworkers and coordinators)."""
    kind = get_object_or_404(
        AppointmentType, pk=int_or_404(request.POST, "type"), is_active=True, is_group=True
    )
    office = get_object_or_404(visible_offices(request.user), pk=int_or_404(request.POST, "office"))
    back = _booking_url(int_or_404(request.POST, "dossier"), type=kind.pk, office=office.pk)
    try:
        staff, start, _room = request.POST.get("slot", "").split("|", 2)  # room: recomputed
        moment = datetime.fromisoformat(start)
        if moment.tzinfo is None or not is_id(staff):
            raise ValueError(start)
    except ValueError:
        messages.error(request, _("Choisissez un créneau."))
        return redirect(back)
    free = slot_search(
        office=office,
        kind=kind,
        first=timezone.localtime(moment, BRUSSELS).date(),
        last=timezone.localtime(moment, BRUSSELS).date(),
        staff_ids=[int(staff)],
        limit=1000,
    )
    slot = next((s for s in free if s.start == moment), None)
    if slot is None:
        messages.error(
            request,
            _("Ce créneau n'est plus libre.") + " " + _("Voici les créneaux encore libres."),
        )
        return redirect(back)
    try:
        services.session_create(
            kind=kind,
            office=office,
            staff_id=slot.staff_id,
            room=office.rooms.filter(pk=slot.room_id).first() if slot.room_id else None,
            start=slot.start,
            by=request.user,
        )
    except services.BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Séance planifiée : vous pouvez y inscrire la personne."))
    return redirect(back)


@role_required(*FILE_ROLES)
@require_POST
def seat_confirm(request: AuthenticatedHttpRequest, session_pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(
        scoped_files(request.user), pk=int_or_404(request.POST, "dossier")
    )
    session = get_object_or_404(visible_appointments(request.user), pk=session_pk)
    try:
        services.seat_book(
            session=session,
            beneficiary=beneficiary,
            by=request.user,
            interpreter_language=request.POST.get("interpreter_language", "")[:3],
        )
    except services.BookingError as error:
        messages.error(request, str(error))
        return redirect(
            _booking_url(beneficiary.pk, type=session.type_id, office=session.office_id)
        )
    messages.success(request, _("Inscription enregistrée : %(session)s.") % {"session": session})
    return redirect(reverse("beneficiaries:detail", args=[beneficiary.pk]) + "#rendez-vous")


@role_required(*FILE_ROLES)
@require_GET
def agenda(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An office's day: every appointment and session, interpreters, arrivals; prints on A4."""
    offices = list(visible_offices(request.user))
    if not offices:
        raise Http404
    wanted = request.GET.get("bureau", "")
    office = next((o for o in offices if str(o.pk) == wanted), None)
    if office is None:
        mine = set(request.user.office_ids)
        office = next((o for o in offices if o.pk in mine), offices[0])
    try:
        day = date.fromisoformat(request.GET.get("jour", ""))
    except ValueError:
        day = timezone.localdate()
    page = CappedCountPaginator(day_agenda(office, day), AGENDA_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "appointments/agenda.html",
        {
            "offices": offices,
            "office": office,
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "today": timezone.localdate(),
            "page_obj": page,
            "appointments": list(page.object_list),
            "reason_form": ReasonForm(),
            "export_sources": exports.offered_on("rendez-vous", request.user),
            "online_pending": online.pending_count([o.pk for o in offices]),
        },
    )


ACTIONS = {
    "arrived": Appointment.Status.ARRIVED,
    "done": Appointment.Status.DONE,
    "no_show": Appointment.Status.NO_SHOW,
    "cancelled": Appointment.Status.CANCELLED,
    "booked": Appointment.Status.BOOKED,
}


@role_required(*FILE_ROLES)
@require_POST
def status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(visible_appointments(request.user), pk=pk)
    action = request.POST.get("to", "")
    to = ACTIONS.get(action)
    if to is None and action != "interpreter_confirmed":
        raise Http404
    try:
        if to is None:
            services.interpreter_confirm(appointment=appointment, by=request.user)
        else:
            services.appointment_move(
                appointment=appointment,
                to=to,
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
    except services.BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Rendez-vous mis à jour."))
    return redirect(_agenda_url(appointment))


@role_required(*FILE_ROLES)
@require_POST
def seat_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    seat = get_object_or_404(
        Seat.objects.filter(session__office__in=visible_offices(request.user)).select_related(
            "session"
        ),
        pk=pk,
    )
    to = request.POST.get("to", "")
    if to not in Seat.Status.values:
        raise Http404
    try:
        services.seat_move(seat=seat, to=to, by=request.user)
    except services.BookingError as error:
        messages.error(request, str(error))
    return redirect(_agenda_url(seat.session))


def _agenda_url(appointment: Appointment) -> str:
    """The day agenda's page that shows this appointment, scrolled to it."""
    day = timezone.localtime(appointment.during.lower, BRUSSELS).date()
    params: dict[str, str | int] = {"bureau": appointment.office_id, "jour": day.isoformat()}
    page = agenda_page_of(appointment)
    if page > 1:
        params["page"] = page
    return reverse("appointments:agenda") + "?" + urlencode(params) + f"#rdv-{appointment.pk}"
