"""The newcomers' own pages, without an account, in their language:

- ``/rdv/``: what the path is; book the welcome module online or ask to be called back;
- ``/rdv/g/<token>/``: the private link of a booking (move, cancel);
- ``/mon-parcours/<token>/``: the person's own page (appointments, path, hours, operators,
  attestation), each reading logged as « la personne elle-même »; ``/mon-parcours/``
  sends a new link to a phone number or e-mail address the centre knows (the answer is
  the same whether it knows it or not).

Every page works without JavaScript (plain forms and links); nothing is loaded from
elsewhere; no request leaves the centre's server."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from appointments import online
from appointments.models import OnlineBooking
from appointments.services import BookingError, SlotTaken
from appointments.slots import Slot
from attestations.models import Attestation
from beneficiaries.contact_languages import CONTACT_LANGUAGES, person_text
from beneficiaries.page_links import file_by_page_token, files_reached_by, page_link_send
from cainamur import reads
from cainamur.lib.localtime import BRUSSELS
from cainamur.models import Centre
from newcomers import selectors
from newcomers.forms import BookingForm, CallbackForm, RenewForm, SlotForm, slot_value
from newcomers.language import PARAMETER, in_person_language
from offices.models import Office
from reception.services import callback_request_online

TOO_MANY = 429
CONFLICT = 409
SESSION_KEY = "public_booking"
TOO_MANY_TEXT = person_text(
    "Trop de demandes depuis cette adresse ou pour ce contact : réessayez dans une heure, "
    "ou appelez-nous."
)


def public(methods: tuple[str, ...] = ("GET",)) -> Callable[..., Any]:
    """A public page: no account, the person's language, the methods it answers."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return login_not_required(in_person_language(require_http_methods(list(methods))(view)))

    return decorate


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    language = request.person_language  # type: ignore[attr-defined]
    query = request.GET.copy()
    links = []
    for other in CONTACT_LANGUAGES:
        query[PARAMETER] = other.code
        links.append((other, f"{request.path}?{query.urlencode()}"))
    return render(
        request,
        template,
        {
            "lang": language,
            "language_links": links,
            "centre": Centre.current(),
            "page_days": settings.CAI_PERSONAL_PAGE_DAYS,
            **context,
        },
        status=status,
    )


def _limited(request: HttpRequest, group: str, *contacts: str) -> bool:
    """Over the rate per client address, or per phone number / e-mail address."""
    limited = is_ratelimited(
        request, group=f"public-{group}", key="ip", rate=settings.CAI_PUBLIC_RATE, increment=True
    )
    for contact in contacts:
        if contact:
            limited = (
                is_ratelimited(
                    request,
                    group=f"public-{group}-contact",
                    key=_constant(contact.strip().lower()),
                    rate=settings.CAI_PUBLIC_CONTACT_RATE,
                    increment=True,
                )
                or limited
            )
    return bool(limited)


def _constant(value: str) -> Callable[[str, HttpRequest], str]:
    def key(_group: str, _request: HttpRequest) -> str:
        return value

    return key


def by_day(offered: list[Slot]) -> list[tuple[date, list[tuple[str, Slot]]]]:
    """The slots grouped by their day (Brussels), each with its form value."""
    return [
        (day, [(slot_value(s.start), s) for s in group])
        for day, group in groupby(
            offered, key=lambda s: timezone.localtime(s.start, BRUSSELS).date()
        )
    ]


@public()
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "public/home.html", {"offices": online.booking_offices()})


@public(("GET", "POST"))
def book(request: HttpRequest) -> HttpResponse:
    """Step 1: the office (the nearest by postal code first); step 2: a moment and who
    the person is. A lost race answers 409 with the slots free now."""
    postal_code = "".join(c for c in request.GET.get("code_postal", "") if c.isdigit())[:4]
    offices = online.booking_offices(postal_code)
    code = request.POST.get("bureau") or request.GET.get("bureau", "")
    office = next((o for o in offices if o.code == code), None)
    if office is None:
        return _page(
            request,
            "public/book_office.html",
            {"offices": offices, "postal_code": postal_code},
            status=404 if code else 200,
        )
    offered = online.offer(office)
    context: dict[str, Any] = {"office": office}
    status = 200
    if request.method == "POST":
        form = BookingForm(request.POST, offered=offered)
        if _limited(request, "book", request.POST.get("phone", ""), request.POST.get("email", "")):
            context["refusal"] = TOO_MANY_TEXT
            status = TOO_MANY
        elif form.is_valid():
            data = form.cleaned_data
            person = online.Person(
                first_names=data["first_names"].strip(),
                last_name=data["last_name"].strip(),
                phone=data["phone"],
                email=data["email"].strip(),
                sms=bool(data["sms"] and data["phone"]),
                language=data["language"],
                interpreter=data["interpreter"],
                national_number=data["national_number"],
                postal_code=postal_code,
            )
            try:
                booking = online.online_book(office=office, start=data["slot"], person=person)
            except online.AlreadyBooked:
                context["refusal"] = person_text(
                    "Vous avez déjà un rendez-vous réservé en ligne : pour le changer, utilisez "
                    "le lien reçu par SMS ou e-mail."
                )
                status = CONFLICT
            except SlotTaken:
                form, status = _fresh(request, office), CONFLICT
                context["fresh"] = True
            except BookingError:
                context["refusal"] = person_text(
                    "La réservation en ligne n'est pas possible pour le moment : appelez-nous."
                )
                status = CONFLICT
            else:
                request.session[SESSION_KEY] = booking.pk
                return redirect("public:booked")
        elif "slot" in form.errors:  # taken between the page and the click
            form, status = _fresh(request, office), CONFLICT
            context["fresh"] = True
        else:
            status = 400
    else:
        form = BookingForm(
            offered=offered,
            initial={"language": request.person_language.code},  # type: ignore[attr-defined]
        )
    return _page(
        request,
        "public/book.html",
        {**context, "form": form, "days": by_day(form.offered), "postal_code": postal_code},
        status=status,
    )


#: What a person typed that a fresh offer keeps (the slot is chosen again).
KEPT = ("first_names", "last_name", "phone", "email", "language", "national_number")


def _fresh(request: HttpRequest, office: Office) -> BookingForm:
    """The form again with what was typed, the slots free now, and no slot chosen."""
    initial: dict[str, Any] = {name: request.POST.get(name, "") for name in KEPT}
    initial.update(sms="sms" in request.POST, interpreter="interpreter" in request.POST)
    return BookingForm(offered=online.offer(office), initial=initial)


@public()
def booked(request: HttpRequest) -> HttpResponse:
    booking = OnlineBooking.objects.filter(pk=request.session.get(SESSION_KEY) or 0).first()
    appointment = online.current_appointment(booking) if booking is not None else None
    if booking is None or appointment is None:
        return redirect("public:home")
    return _page(
        request,
        "public/booked.html",
        {
            "booking": booking,
            "appointment": appointment,
            "map": selectors.map_link(appointment.office),
        },
    )


@public(("GET", "POST"))
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The private link of an online booking: see, move or cancel the appointment."""
    booking = online.booking_by_token(token)
    if booking is None:
        return _page(request, "public/link_gone.html", {}, status=404)
    return _manage(request, booking, reverse("public:manage", args=[token]))


def _manage(request: HttpRequest, booking: OnlineBooking, here: str) -> HttpResponse:
    appointment = online.current_appointment(booking)
    assert appointment is not None  # checked by the caller
    action = request.POST.get("action") or request.GET.get("action", "")
    context: dict[str, Any] = {
        "booking": booking,
        "appointment": appointment,
        "here": here,
        "map": selectors.map_link(appointment.office),
    }
    if action == "annuler":
        if request.method == "POST" and request.POST.get("confirm") == "1":
            with contextlib.suppress(BookingError):  # cancelled a moment ago: same page
                online.online_cancel(booking=booking)
            return _page(request, "public/cancelled.html", context)
        return _page(request, "public/cancel_confirm.html", context)
    if action == "deplacer":
        return _move(request, booking, appointment, context)
    return _page(request, "public/manage.html", context)


def _move(
    request: HttpRequest,
    booking: OnlineBooking,
    appointment: Any,
    context: dict[str, Any],
) -> HttpResponse:
    """Another moment at the same office; a moment taken meanwhile (by the form's check
    or the database's) answers 409 with the moments free now."""
    offered = online.offer(appointment.office)
    form = SlotForm(request.POST if request.method == "POST" else None, offered=offered)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                moved = online.online_move(booking=booking, start=form.cleaned_data["slot"])
            except SlotTaken:
                pass
            except BookingError:
                return _page(request, "public/link_gone.html", {}, status=404)
            else:
                return _page(
                    request,
                    "public/booked.html",
                    {
                        "booking": booking,
                        "appointment": moved,
                        "moved": True,
                        "map": selectors.map_link(moved.office),
                    },
                )
        form, status = SlotForm(offered=online.offer(appointment.office)), CONFLICT
        context["fresh"] = True
    return _page(
        request,
        "public/move.html",
        {**context, "form": form, "days": by_day(form.offered)},
        status=status,
    )


@public(("GET", "POST"))
def callback(request: HttpRequest) -> HttpResponse:
    """« Être rappelé·e »: a call-back row for the chosen office, with the language."""
    status = 200
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = CallbackForm(request.POST)
        if _limited(request, "callback", request.POST.get("phone", "")):
            context["refusal"] = TOO_MANY_TEXT
            status = TOO_MANY
        elif form.is_valid():
            data = form.cleaned_data
            callback_request_online(
                office=data["office"],
                name=f"{data['first_names'].strip()} {data['last_name'].strip()}",
                phone=data["phone"],
                language=data["language"],
                interpreter=data["interpreter"],
                subject=data["subject"].strip(),
            )
            return _page(request, "public/callback_done.html", {"office": data["office"]})
        else:
            status = 400
    else:
        postal_code = "".join(c for c in request.GET.get("code_postal", "") if c.isdigit())[:4]
        nearest = online.booking_offices(postal_code) if postal_code else []
        form = CallbackForm(
            initial={
                "language": request.person_language.code,  # type: ignore[attr-defined]
                "office": nearest[0].pk if nearest else None,
            }
        )
    return _page(request, "public/callback.html", {**context, "form": form}, status=status)


@public(("GET", "POST"))
def renew(request: HttpRequest) -> HttpResponse:
    """A new link to one's page: the same answer whether the number or address is known
    or not (no one learns who the centre follows)."""
    status = 200
    context: dict[str, Any] = {}
    form = RenewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        typed = request.POST.get("contact", "").strip()
        if _limited(request, "renew", typed):
            context["refusal"] = TOO_MANY_TEXT
            status = TOO_MANY
        elif form.is_valid():
            contact = form.cleaned_data["contact"]
            for file in files_reached_by(**contact):
                page_link_send(beneficiary=file, by=None, **contact)
            return _page(request, "public/renew_sent.html", {})
        else:
            status = 400
    return _page(request, "public/renew.html", {**context, "form": form}, status=status)


def _file(token: str) -> Any:
    file = file_by_page_token(token)
    if file is None:
        raise Http404
    return file


@public()
def my_path(request: HttpRequest, token: str) -> HttpResponse:
    file = file_by_page_token(token)
    if file is None:
        return _page(request, "public/page_gone.html", {}, status=404)
    reads.record_by_person(request, beneficiary=file, what="page personnelle")
    return _page(
        request,
        "public/my_path.html",
        {"file": file, "token": token, **selectors.personal_page(file)},
    )


@public(("GET", "POST"))
def my_booking(request: HttpRequest, token: str, booking_pk: int) -> HttpResponse:
    """Move or cancel, from one's page, an appointment booked online."""
    file = file_by_page_token(token)
    if file is None:
        return _page(request, "public/page_gone.html", {}, status=404)
    booking = OnlineBooking.objects.filter(pk=booking_pk, beneficiary=file).first()
    if booking is None or online.current_appointment(booking) is None:
        raise Http404
    return _manage(request, booking, reverse("public:my-booking", args=[token, booking.pk]))


@login_not_required
@require_GET
def my_attestation(request: HttpRequest, token: str, pk: int) -> FileResponse:
    file = _file(token)
    attestation = Attestation.objects.filter(
        pk=pk, beneficiary=file, status=Attestation.Status.VALID
    ).first()
    if attestation is None or not attestation.pdf:
        raise Http404
    reads.record_by_person(request, beneficiary=file, what=f"attestation {attestation.number}")
    response = FileResponse(
        attestation.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{attestation.number}.pdf",
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
