"""Walk-in permanences: arrivals get a ticket, staff call the next person and record the
outcome (services and views). The queue page refreshes itself."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from appointments.models import Permanence, QueueTicket
from appointments.selectors import visible_offices
from beneficiaries.models import Beneficiary
from beneficiaries.views import scoped_files
from cainamur.permissions import FILE_ROLES, role_required
from cainamur.phones import phone_normalise


class PermanenceError(Exception):
    """A refused step, with a message for the user (French)."""


class ArrivalForm(forms.Form):
    file_number = forms.CharField(
        label=_l("Numéro de dossier (s'il en a un)"), max_length=20, required=False
    )
    name = forms.CharField(label=_l("Nom et prénom"), max_length=150, required=False)
    phone = forms.CharField(label=_l("Téléphone"), max_length=30, required=False)

    def __init__(self, *args: Any, files: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files_in_scope = files
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = (cleaned.get("file_number") or "").strip().upper()
        cleaned["beneficiary"] = None
        if number:
            beneficiary = self.files_in_scope.filter(file_number=number).first()
            if beneficiary is None:
                self.add_error("file_number", _("Aucun dossier de vos bureaux ne porte ce numéro."))
            cleaned["beneficiary"] = beneficiary
        elif not (cleaned.get("name") or "").strip():
            self.add_error("name", _("Indiquez le nom, ou le numéro de dossier."))
        return cleaned


class OutcomeForm(forms.Form):
    topic = forms.ChoiceField(
        label=_l("Sujet"),
        choices=[("", "—"), *QueueTicket.Topic.choices],
        error_messages={"required": _l("Choisissez le sujet de l'entretien.")},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_l("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


def ticket_register(
    permanence: Permanence,
    *,
    on: date,
    by: Any,
    beneficiary: Beneficiary | None = None,
    name: str = "",
    phone: str = "",
) -> QueueTicket:
    """Numbers follow each other per permanence and day (under a lock on the permanence)."""
    with transaction.atomic():
        Permanence.objects.select_for_update().get(pk=permanence.pk)
        last = QueueTicket.objects.filter(permanence=permanence, on=on).aggregate(n=Max("number"))
        return QueueTicket.objects.create(
            permanence=permanence,
            on=on,
            number=(last["n"] or 0) + 1,
            beneficiary=beneficiary,
            name=beneficiary.full_name if beneficiary else name.strip(),
            phone=phone or (beneficiary.phone if beneficiary else ""),
            registered_by=by,
        )


def ticket_call_next(permanence: Permanence, *, on: date, by: Any) -> QueueTicket | None:
    with transaction.atomic():
        ticket = (
            QueueTicket.objects.select_for_update(skip_locked=True)
            .filter(permanence=permanence, on=on, status=QueueTicket.Status.WAITING)
            .order_by("number")
            .first()
        )
        if ticket is None:
            return None
        ticket.status = QueueTicket.Status.CALLED
        ticket.called_at = timezone.now()
        ticket.called_by = by
        ticket.save(update_fields=["status", "called_at", "called_by"])
        return ticket


def ticket_finish(ticket: QueueTicket, *, topic: str, note: str = "") -> QueueTicket:
    with transaction.atomic():
        ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status != QueueTicket.Status.CALLED:
            raise PermanenceError(_("Ce ticket n'est pas en cours d'entretien."))
        ticket.status = QueueTicket.Status.DONE
        ticket.finished_at = timezone.now()
        ticket.topic = topic
        ticket.note = note
        ticket.save(update_fields=["status", "finished_at", "topic", "note"])
        return ticket


def ticket_left(ticket: QueueTicket) -> None:
    QueueTicket.objects.filter(
        pk=ticket.pk, status__in=[QueueTicket.Status.WAITING, QueueTicket.Status.CALLED]
    ).update(status=QueueTicket.Status.LEFT, finished_at=timezone.now())


def visible_permanences(user: Any) -> Any:
    return Permanence.objects.filter(is_active=True, office__in=visible_offices(user))


@role_required(*FILE_ROLES)
def permanence_list(request: HttpRequest) -> HttpResponse:
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
        "appointments/permanences.html",
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
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    permanence = get_object_or_404(
        visible_permanences(request.user).select_related("office"), pk=pk
    )
    on = timezone.localdate()
    context = _queue_context(permanence, on)
    if request.headers.get("HX-Request"):
        return render(request, "appointments/_queue.html", context)
    form = ArrivalForm(files=scoped_files(request.user))
    return render(request, "appointments/queue.html", {**context, "form": form})


@role_required(*FILE_ROLES)
@require_POST
def arrival(request: HttpRequest, pk: int) -> HttpResponse:
    permanence = get_object_or_404(visible_permanences(request.user), pk=pk)
    form = ArrivalForm(request.POST, files=scoped_files(request.user))
    if not form.is_valid():
        context = _queue_context(permanence, timezone.localdate())
        messages.error(request, _("L'arrivée n'est pas enregistrée : voyez les erreurs indiquées."))
        return render(request, "appointments/queue.html", {**context, "form": form}, status=400)
    ticket = ticket_register(
        permanence,
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
    return redirect("appointments:queue", pk=permanence.pk)


@role_required(*FILE_ROLES)
@require_POST
def call_next(request: HttpRequest, pk: int) -> HttpResponse:
    permanence = get_object_or_404(visible_permanences(request.user), pk=pk)
    ticket = ticket_call_next(permanence, on=timezone.localdate(), by=request.user)
    if ticket is None:
        messages.info(request, _("Personne n'attend."))
    else:
        messages.success(
            request,
            _("Ticket n° %(number)s : %(name)s.") % {"number": ticket.number, "name": ticket.name},
        )
    return redirect("appointments:queue", pk=permanence.pk)


def _ticket(request: HttpRequest, pk: int) -> QueueTicket:
    return get_object_or_404(
        QueueTicket.objects.filter(permanence__in=visible_permanences(request.user)), pk=pk
    )


@role_required(*FILE_ROLES)
@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez le sujet de l'entretien."))
    else:
        try:
            ticket_finish(
                ticket,
                topic=form.cleaned_data["topic"],
                note=form.cleaned_data["note"],
            )
        except PermanenceError as error:
            messages.error(request, str(error))
    return redirect(reverse("appointments:queue", args=[ticket.permanence_id]))


@role_required(*FILE_ROLES)
@require_POST
def left(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    ticket_left(ticket)
    return redirect(reverse("appointments:queue", args=[ticket.permanence_id]))


@role_required(*FILE_ROLES)
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a ticket given to someone without a file to their file, once it exists."""
    ticket = _ticket(request, pk)
    number = request.POST.get("file_number", "").strip().upper()
    beneficiary = scoped_files(request.user).filter(file_number=number).first() if number else None
    if beneficiary is None:
        messages.error(request, _("Aucun dossier de vos bureaux ne porte ce numéro."))
    else:
        QueueTicket.objects.filter(pk=ticket.pk).update(beneficiary=beneficiary)
        messages.success(
            request,
            _("Ticket n° %(number)s relié au dossier %(file)s.")
            % {"number": ticket.number, "file": beneficiary.file_number},
        )
    return redirect(reverse("appointments:queue", args=[ticket.permanence_id]))
