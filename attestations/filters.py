from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from attestations.models import Attestation
from beneficiaries.models import Beneficiary
from beneficiaries.selectors import beneficiary_search
from offices.models import Office
from outbox.models import Dispatch
from parcours.models import Parcours

COPIES = [
    ("attention", _("Copie en échec ou sans adresse")),
    ("pending", _("Copie en cours d'envoi")),
    ("sent", _("Toutes les copies envoyées")),
    ("none", _("Sans copie (volontaire)")),
]


class AttestationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Statut"), choices=Attestation.Status.choices, empty_label=_("Tous")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Régime"), choices=Parcours.Kind.choices, empty_label=_("Tous")
    )
    office = django_filters.ModelChoiceFilter(
        label=_("Bureau"),
        field_name="beneficiary__office",
        queryset=Office.objects.all(),
        empty_label=_("Tous les bureaux"),
    )
    issued_from = django_filters.DateFilter(
        label=_("Délivrée depuis le"), field_name="issued_on", lookup_expr="gte"
    )
    issued_to = django_filters.DateFilter(
        label=_("jusqu'au"), field_name="issued_on", lookup_expr="lte"
    )
    copies = django_filters.ChoiceFilter(
        label=_("Copies"), choices=COPIES, method="filter_copies", empty_label=_("Toutes")
    )

    class Meta:
        model = Attestation
        fields = ("q", "status", "kind", "office", "issued_from", "issued_to", "copies")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.form.fields.items():
            if name in ("issued_from", "issued_to"):
                field.widget.input_type = "date"
                field.widget.attrs["class"] = "form-control"
            elif name != "q":
                field.widget.attrs["class"] = "form-select"

    def search(self, queryset: QuerySet[Attestation], _name: str, value: str) -> QuerySet:
        text = value.strip()
        if text.upper().startswith("CAI-ATT"):
            return queryset.filter(number__startswith=text.upper())
        files = beneficiary_search(Beneficiary.objects.all(), text).values("pk")
        return queryset.filter(beneficiary__in=files)

    def filter_copies(self, queryset: QuerySet[Attestation], _name: str, value: str) -> QuerySet:
        def having(*statuses: str) -> Exists:
            return Exists(Dispatch.objects.filter(attestation=OuterRef("pk"), status__in=statuses))

        if value == "attention":
            return queryset.filter(having(Dispatch.Status.FAILED, Dispatch.Status.NEEDS_ADDRESS))
        if value == "pending":
            return queryset.filter(having(Dispatch.Status.QUEUED, Dispatch.Status.SENDING))
        if value == "sent":
            return queryset.filter(having(Dispatch.Status.SENT)).exclude(
                having(
                    Dispatch.Status.QUEUED,
                    Dispatch.Status.SENDING,
                    Dispatch.Status.FAILED,
                    Dispatch.Status.NEEDS_ADDRESS,
                )
            )
        if value == "none":
            return queryset.exclude(Exists(Dispatch.objects.filter(attestation=OuterRef("pk"))))
        return queryset
