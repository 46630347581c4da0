"""The offers of partner operators, searched by caseworkers (axis, commune and nearby
communes, language, places left)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from beneficiaries.languages import LANGUAGE_CHOICES
from beneficiaries.models import Commune
from beneficiaries.views import EDIT_ROLES
from cainamur.permissions import RoleRequiredMixin
from operators.models import OFFER_AXES, Offer


class OfferSearchForm(forms.Form):
    axis = forms.ChoiceField(
        label=_("Axe"),
        required=False,
        choices=[("", _("Tous")), *OFFER_AXES],
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("Toutes")
    )
    nearby = forms.BooleanField(
        label=_("et communes voisines (même arrondissement)"), required=False
    )
    language = forms.ChoiceField(
        label=_("Langue"), required=False, choices=[("", _("Toutes")), *LANGUAGE_CHOICES]
    )
    places = forms.BooleanField(label=_("Seulement avec des places"), required=False)

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
        return {**super().get_context_data(**kwargs), "form": self.form}
