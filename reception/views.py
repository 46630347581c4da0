from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries.selectors import scoped_files
from cainamur import exports
from cainamur.lib.http import is_id
from cainamur.lib.pagination import CappedCountPaginator
from cainamur.permissions import FILE_ROLES, AuthenticatedHttpRequest, role_required
from offices.selectors import visible_offices
from reception.forms import ArrivalForm, AttemptForm, CallbackForm, OutcomeForm
from reception.models import Permanence, QueueTicket
from reception.selectors import open_callbacks, visible_callbacks, visible_permanences
from reception.services import (
    PermanenceError,
    callback_attempt_record,
    callback_close,
    callback_log,
    ticket_call_next,
    ticket_finish,
    ticket_left,
    ticket_link,
    ticket_register,
)


@role_required(*FILE_ROLES)
def callback_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    offices = visible_offices(request.user)
    wanted = request.GET.get("bureau", "")
    office = offices.filter(pk=int(wanted)).first() if is_id(wanted) else None
    paginator = CappedCountPaginator(open_callbacks(request.user, office), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reception/callbacks.html",
        {
            "page_obj": page,
            "callbacks": page.object_list,
            "offices": offices,
            "office": office,
            "export_sources": exports.offered_on("rappels", request.user),
        },
    )


@role_required(*FILE_ROLES)
def callback_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    offices = visible_offices(request.user)
    mine = [o for o in offices if o.pk in request.user.office_ids]
    form = CallbackForm(
        request.POST or None,
        offices=offices,
        initial={"office": mine[0].pk if mine else None},
    )
    if request.method == "POST":
        if form.is_valid():
            callback = callback_log(callback=form.save(commit=False), by=request.user)
            messages.success(
                request,
                _("Message enregistré : %(name)s sera rappelé·e.") % {"name": callback.name},
            )
            return redirect("reception:callbacks")
        messages.error(request, _("Le message n'est pas enregistré : voyez les erreurs indiquées."))
    return render(
        request,
        "reception/callback_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@role_required(*FILE_ROLES)
def callback_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    callback = get_object_or_404(
        visible_callbacks(request.user).select_related(
            "office", "assigned_to", "created_by", "closed_by"
        ),
        pk=pk,
    )
    attempts = list(callback.attempts.select_related("by"))
    form = AttemptForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            callback_attempt_record(
                callback=callback,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                done=form.cleaned_data["done"],
            )
            messages.success(request, _("Tentative enregistrée."))
            return redirect("reception:callback", pk=callback.pk)
        messages.error(request, _("Choisissez le résultat de l'appel."))
    return render(
        request,
        "reception/callback_detail.html",
        {"callback": callback, "attempts": attempts, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(*FILE_ROLES)
@require_POST
def callback_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    callback = get_object_or_404(visible_callbacks(request.user), pk=pk)
    if callback_close(callback=callback, by=request.user):
        messages.success(request, _("Rappel marqué comme traité."))
    return redirect(reverse("reception:callbacks"))


@role_required(*FILE_ROLES)
def permanence_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    permanences = (
        visible_permanences(request.user)
        .select_related("office")
        .annotate(
            waiting=Count(
                "tickets", filter=Q(tickets__on=today, tickets__status=QueueTicket.Status.WAITING)
            ),
            seen=Count(
                "tickets", filter=Q(tickets__on=today, tickets__status=QueueTicket.Status.DONE)
            ),
        )
    )
    return render(
        request,
        "reception/permanences.html",
        {"permanences": permanences, "today": today},
    )


def _queue_context(permanence: Permanence, on: date) -> dict[str, Any]:
    tickets = list(
        QueueTicket.objects.filter(permanence=permanence, on=on)
        .select_related("beneficiary", "called_by")
        .order_by("number")
    )
    now = timezone.now()
    for ticket in tickets:
        end = ticket.called_at or (
            now if ticket.status == QueueTicket.Status.WAITING else ticket.finished_at
        )
        ticket.wait_minutes = int(((end or now) - ticket.arrived_at).total_seconds() // 60)  # type: ignore[attr-defined]
    return {
        "permanence": permanence,
        "on": on,
        "off_day": on.weekday() != permanence.weekday,
        "waiting": [t for t in tickets if t.status == QueueTicket.Status.WAITING],
        "called": [t for t in tickets if t.status == QueueTicket.Status.CALLED],
        "finished": [
            t for t in tickets if t.status in (QueueTicket.Status.DONE, QueueTicket.Status.LEFT)
        ],
        "outcome_form": OutcomeForm(),
    }


@role_required(*FILE_ROLES)
def queue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    permanence = get_object_or_404(
        visible_permanences(request.user).select_related("office"), pk=pk
    )
    on = timezone.localdate()
    context = _queue_context(permanence, on)
    if request.headers.get("HX-Request"):
        return render(request, "reception/_queue.html", context)
    form = ArrivalForm(files=scoped_files(request.user))
    return render(request, "reception/queue.html", {**context, "form": form})


@role_required(*FILE_ROLES)
@require_POST
def arrival(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    permanence = get_object_or_404(visible_permanences(request.user), pk=pk)
    form = ArrivalForm(request.POST, files=scoped_files(request.user))
    if not form.is_valid():
        context = _queue_context(permanence, timezone.localdate())
        messages.error(request, _("L'arrivée n'est pas enregistrée : voyez les erreurs indiquées."))
        return render(request, "reception/queue.html", {**context, "form": form}, status=400)
    ticket = ticket_register(
        permanence=permanence,
        on=timezone.localdate(),
        by=request.user,
        beneficiary=form.cleaned_data["beneficiary"],
        name=form.cleaned_data["name"],
        phone=form.cleaned_data["phone"],
    )
    messages.success(
        request,
        _("Ticket n° %(number)s pour %(name)s.") % {"number": ticket.number, "name": ticket.name},
    )
    return redirect("reception:queue", pk=permanence.pk)


@role_required(*FILE_ROLES)
@require_POST
def call_next(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    permanence = get_object_or_404(visible_permanences(request.user), pk=pk)
    ticket = ticket_call_next(permanence=permanence, on=timezone.localdate(), by=request.user)
    if ticket is None:
        messages.info(request, _("Personne n'attend."))
    else:
        messages.success(
            request,
            _("Ticket n° %(number)s : %(name)s.") % {"number": ticket.number, "name": ticket.name},
        )
    return redirect("reception:queue", pk=permanence.pk)


def _ticket(request: AuthenticatedHttpRequest, pk: int) -> QueueTicket:
    return get_object_or_404(
        QueueTicket.objects.filter(permanence__in=visible_permanences(request.user)), pk=pk
    )


@role_required(*FILE_ROLES)
@require_POST
def finish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez le sujet de l'entretien."))
    else:
        try:
            ticket_finish(
                ticket=ticket,
                by=request.user,
                topic=form.cleaned_data["topic"],
                note=form.cleaned_data["note"],
            )
        except PermanenceError as error:
            messages.error(request, str(error))
    return redirect(reverse("reception:queue", args=[ticket.permanence_id]))


@role_required(*FILE_ROLES)
@require_POST
def left(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    ticket_left(ticket=ticket, by=request.user)
    return redirect(reverse("reception:queue", args=[ticket.permanence_id]))


@role_required(*FILE_ROLES)
@require_POST
def link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attach a ticket given to someone without a file to their file, once it exists."""
    ticket = _ticket(request, pk)
    number = request.POST.get("file_number", "").strip().upper()
    beneficiary = scoped_files(request.user).filter(file_number=number).first() if number else None
    if beneficiary is None:
        messages.error(request, _("Aucun dossier de vos bureaux ne porte ce numéro."))
    else:
        ticket_link(ticket=ticket, beneficiary=beneficiary, by=request.user)
        messages.success(
            request,
            _("Ticket n° %(number)s relié au dossier %(file)s.")
            % {"number": ticket.number, "file": beneficiary.file_number},
        )
    return redirect(reverse("reception:queue", args=[ticket.permanence_id]))
