"""The offers of partner operators, searched by caseworkers (axis, commune and nearby
communes, language, places left)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from beneficiaries.languages import LANGUAGE_CHOICES
from beneficiaries.models import Commune
from beneficiaries.views import EDIT_ROLES, scoped_files
from cainamur.permissions import RoleRequiredMixin, role_required
from operators import services
from operators.models import OFFER_AXES, Offer, Orientation


class OfferSearchForm(forms.Form):
    axis = forms.ChoiceField(
        label=_l("Axe"),
        required=False,
        choices=[("", _l("Tous")), *OFFER_AXES],
    )
    commune = forms.ModelChoiceField(
        label=_l("Commune"),
        queryset=Commune.objects.all(),
        required=False,
        empty_label=_l("Toutes"),
    )
    nearby = forms.BooleanField(
        label=_l("et communes voisines (même arrondissement)"), required=False
    )
    language = forms.ChoiceField(
        label=_l("Langue"), required=False, choices=[("", _l("Toutes")), *LANGUAGE_CHOICES]
    )
    places = forms.BooleanField(label=_l("Seulement avec des places"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("axis", "commune", "language"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("nearby", "places"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class OfferSearchView(RoleRequiredMixin, ListView):
    allowed_roles = EDIT_ROLES
    template_name = "operators/offers.html"
    context_object_name = "offers"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Offer]:
        self.form = OfferSearchForm(self.request.GET or None)
        offers = (
            Offer.objects.filter(is_active=True, operator__is_active=True)
            .select_related("operator")
            .prefetch_related(Prefetch("communes", queryset=Commune.objects.order_by("name")))
            .order_by("axis", "start_on", "title")
        )
        if not self.form.is_valid():
            return offers
        data = self.form.cleaned_data
        if data["axis"]:
            offers = offers.filter(axis=data["axis"])
        if data["commune"]:
            communes = (
                Commune.objects.filter(arrondissement=data["commune"].arrondissement)
                if data["nearby"]
                else Commune.objects.filter(pk=data["commune"].pk)
            )
            offers = offers.filter(communes__in=communes).distinct()
        if data["language"]:
            offers = offers.filter(languages__contains=[data["language"]])
        if data["places"]:
            offers = offers.filter(taken__lt=F("capacity"))
        return offers

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**super().get_context_data(**kwargs), "form": self.form}
        dossier = self.request.GET.get("dossier", "")
        if dossier.isdigit():  # orienting someone: each offer gets a « Proposer » button
            context["beneficiary"] = get_object_or_404(
                scoped_files(self.request.user), pk=int(dossier)
            )
        return context


def _scoped_file(request: HttpRequest, value: str) -> Any:
    if not value.isdigit():
        raise Http404
    return get_object_or_404(scoped_files(request.user), pk=int(value))


@role_required(*EDIT_ROLES)
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    beneficiary = _scoped_file(request, request.POST.get("dossier", ""))
    offre = request.POST.get("offre", "")
    if not offre.isdigit():
        raise Http404
    offer = get_object_or_404(Offer.objects.filter(is_active=True), pk=int(offre))
    try:
        services.orientation_propose(beneficiary=beneficiary, offer=offer, by=request.user)
    except services.OrientationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Orientation proposée : %(offer)s.") % {"offer": offer.title})
    return redirect(reverse("beneficiaries:detail", args=[beneficiary.pk]) + "#orientations")


@role_required(*EDIT_ROLES)
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    orientation = get_object_or_404(
        Orientation.objects.filter(beneficiary__in=scoped_files(request.user)), pk=pk
    )
    to = request.POST.get("to", "")
    if to not in Orientation.Status.values:
        raise Http404
    try:
        services.orientation_move(
            orientation, to, by=request.user, reason=request.POST.get("reason", "")
        )
    except services.NoPlace as error:
        messages.warning(request, str(error))
    except services.OrientationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Orientation mise à jour."))
    return redirect(
        reverse("beneficiaries:detail", args=[orientation.beneficiary_id]) + "#orientations"
    )


@role_required(*EDIT_ROLES)
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An offer's enrolled people and waiting list (people of other offices unnamed)."""
    offer = get_object_or_404(Offer.objects.select_related("operator"), pk=pk)
    visible = set(
        scoped_files(request.user).filter(orientations__offer=offer).values_list("pk", flat=True)
    )
    rows = list(
        offer.orientations.filter(status__in=["waiting", "enrolled", "in_progress"])
        .select_related("beneficiary")
        .order_by("status", "waiting_since", "id")
    )
    return render(
        request,
        "operators/offer.html",
        {
            "offer": offer,
            "enrolled": [o for o in rows if o.status != "waiting"],
            "waiting": services.waiting_list(offer),
            "visible": visible,
        },
    )
