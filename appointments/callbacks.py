"""Call-backs: phone messages to return, by office, oldest first (services and views)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from appointments.models import Callback, CallbackAttempt, Office
from appointments.selectors import visible_offices
from beneficiaries.languages import LANGUAGE_CHOICES
from cainamur.pagination import CappedCountPaginator
from cainamur.permissions import STAFF_ROLES, role_required
from cainamur.phones import phone_normalise


class CallbackForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_l("Langue"), choices=[("", "—"), *LANGUAGE_CHOICES], required=False
    )

    class Meta:
        model = Callback
        fields = ("name", "phone", "language", "subject", "office", "urgency", "assigned_to")
        widgets = {"subject": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"required": _l("Indiquez le nom de la personne.")},
            "phone": {"required": _l("Indiquez le numéro à rappeler.")},
            "subject": {"required": _l("Indiquez l'objet du message.")},
            "office": {"required": _l("Choisissez le bureau.")},
        }

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]
        self.fields["assigned_to"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(is_active=True, offices__in=offices, groups__isnull=False)
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["assigned_to"].empty_label = _("— Le bureau —")  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_l("Résultat"),
        choices=CallbackAttempt.Outcome.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=_l("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    done = forms.BooleanField(label=_l("Traité (plus rien à faire)"), required=False)


def visible_callbacks(user: Any) -> QuerySet[Callback]:
    return Callback.objects.visible_to(user)  # type: ignore[return-value]


def callback_attempt_record(
    callback: Callback, *, by: Any, outcome: str, note: str = "", done: bool = False
) -> CallbackAttempt:
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        attempt = CallbackAttempt.objects.create(
            callback=callback, by=by, outcome=outcome, note=note
        )
        if done and callback.status == Callback.Status.OPEN:
            callback.status = Callback.Status.DONE
            callback.closed_at = timezone.now()
            callback.closed_by = by
            callback.save(update_fields=["status", "closed_at", "closed_by"])
        return attempt


def open_callbacks(user: Any, office: Office | None = None) -> QuerySet[Callback]:
    """Open call-backs, oldest first, with their attempt count (one query)."""
    rows = (
        visible_callbacks(user)
        .filter(status=Callback.Status.OPEN)
        .select_related("office", "assigned_to", "created_by")
        .annotate(attempt_count=Count("attempts"))
        .order_by("created_at", "id")
    )
    return rows.filter(office=office) if office else rows


@role_required(*STAFF_ROLES)
def callback_list(request: HttpRequest) -> HttpResponse:
    offices = visible_offices(request.user)
    wanted = request.GET.get("bureau", "")
    office = offices.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    paginator = CappedCountPaginator(open_callbacks(request.user, office), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "appointments/callbacks.html",
        {"page_obj": page, "callbacks": page.object_list, "offices": offices, "office": office},
    )


@role_required(*STAFF_ROLES)
def callback_create(request: HttpRequest) -> HttpResponse:
    offices = visible_offices(request.user)
    mine = [o for o in offices if o.pk in request.user.office_ids]  # type: ignore[union-attr]
    form = CallbackForm(
        request.POST or None,
        offices=offices,
        initial={"office": mine[0].pk if mine else None},
    )
    if request.method == "POST":
        if form.is_valid():
            callback = form.save(commit=False)
            callback.created_by = request.user
            callback.save()
            messages.success(
                request,
                _("Message enregistré : %(name)s sera rappelé·e.") % {"name": callback.name},
            )
            return redirect("appointments:callbacks")
        messages.error(request, _("Le message n'est pas enregistré : voyez les erreurs indiquées."))
    return render(
        request,
        "appointments/callback_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@role_required(*STAFF_ROLES)
def callback_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
                callback,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                done=form.cleaned_data["done"],
            )
            messages.success(request, _("Tentative enregistrée."))
            return redirect("appointments:callback", pk=callback.pk)
        messages.error(request, _("Choisissez le résultat de l'appel."))
    return render(
        request,
        "appointments/callback_detail.html",
        {"callback": callback, "attempts": attempts, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(*STAFF_ROLES)
@require_POST
def callback_done(request: HttpRequest, pk: int) -> HttpResponse:
    callback = get_object_or_404(visible_callbacks(request.user), pk=pk)
    if callback.status == Callback.Status.OPEN:
        Callback.objects.filter(pk=callback.pk).update(
            status=Callback.Status.DONE, closed_at=timezone.now(), closed_by=request.user
        )
        messages.success(request, _("Rappel marqué comme traité."))
    return redirect(reverse("appointments:callbacks"))
