"""Reception's side of the bookings people make online (/rdv/): the ones to handle, and
for each the files that may be the person's — link it to one, open a file for it (the
usual duplicate check), or refuse it with a message to the person."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from appointments import online
from appointments.models import ACTIVE_STATUSES, Appointment, OnlineBooking
from appointments.services import BookingError
from appointments.views import _agenda_url
from beneficiaries.contact_languages import BY_CODE, spoken_for
from beneficiaries.selectors import files_resembling, scoped_files
from beneficiaries.views import NEW_FILE_INITIAL
from cainamur.lib.pagination import CappedCountPaginator
from cainamur.permissions import FILE_ROLES, AuthenticatedHttpRequest, role_required
from offices.selectors import visible_offices

PER_PAGE = 50


def _bookings(request: AuthenticatedHttpRequest) -> QuerySet[OnlineBooking]:
    """Online bookings with an appointment at one of the user's offices."""
    return OnlineBooking.objects.filter(
        appointments__office__in=visible_offices(request.user)
    ).distinct()


@role_required(*FILE_ROLES)
@require_GET
def online_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    appointments = (
        Appointment.objects.filter(
            office__in=visible_offices(request.user),
            online_booking__status=OnlineBooking.Status.PENDING,
            status__in=ACTIVE_STATUSES,
        )
        .select_related("online_booking", "office", "staff", "type")
        .order_by("during", "id")
    )
    page = CappedCountPaginator(appointments, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "appointments/online_list.html",
        {"page_obj": page, "appointments": list(page.object_list)},
    )


@role_required(*FILE_ROLES)
@require_http_methods(["GET", "POST"])
def online_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(_bookings(request), pk=pk)
    appointment = (
        booking.appointments.select_related("office", "staff", "type").order_by("-id").first()
    )
    assert appointment is not None  # a booking has its appointment from the start
    files = scoped_files(request.user)
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "link":
        file = get_object_or_404(files, pk=request.POST.get("dossier") or 0)
        try:
            online.online_link(booking=booking, beneficiary=file, by=request.user)
        except BookingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Réservation rattachée au dossier %(number)s.") % {"number": file.file_number},
            )
            return redirect(_agenda_url(appointment))
    elif request.method == "POST" and action == "create":
        # What the person typed, handed to the registration form through the session.
        request.session[NEW_FILE_INITIAL] = {
            "first_names": booking.first_names,
            "last_name": booking.last_name,
            "phone": booking.phone,
            "email": booking.email,
            "contact_language": booking.language if booking.language != "fr" else "",
            "languages": [spoken_for(booking.language)] if booking.language != "fr" else [],
            "interpreter_language": spoken_for(booking.language) if booking.interpreter else "",
            "interpreter_needed": booking.interpreter,
            "postal_code": booking.postal_code,
        }
        return redirect(reverse("beneficiaries:create") + f"?reservation={booking.pk}")
    elif request.method == "POST" and action == "refuse":
        try:
            online.online_refuse(
                booking=booking, message=request.POST.get("message", ""), by=request.user
            )
        except BookingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Réservation refusée ; la personne est prévenue."))
            return redirect(_agenda_url(appointment))
    candidates = files_resembling(
        last_name=booking.last_name,
        first_names=booking.first_names,
        phone=booking.phone,
        email=booking.email,
        national_number=booking.national_number or "",
    )
    chosen = request.GET.get("dossier", "")
    just_created = files.filter(pk=chosen).first() if chosen.isdigit() else None
    visible = set(files.filter(pk__in=[c.pk for c in candidates]).values_list("pk", flat=True))
    context: dict[str, Any] = {
        "booking": booking,
        "appointment": appointment,
        "language": BY_CODE.get(booking.language),
        "candidates": [c for c in candidates if c.pk in visible and c != just_created],
        "hidden_candidates": len([c for c in candidates if c.pk not in visible]),
        "just_created": just_created,
        "pending": booking.status == OnlineBooking.Status.PENDING,
        "refusal_message": request.POST.get("message", ""),
    }
    return render(request, "appointments/online_detail.html", context)
