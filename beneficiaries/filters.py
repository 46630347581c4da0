from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from beneficiaries import drilldown
from beneficiaries.models import Beneficiary, Commune, ObligationStatus
from beneficiaries.selectors import beneficiary_search
from cainamur.lib.name_order import by_name
from cainamur.models import User
from cainamur.roles import GROUP_NAMES, Role
from offices.models import Office

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PathStatusFilter(Protocol):
    """What the file list needs to filter files by the state of their path (``parcours``,
    a floor above, registers it at start-up)."""

    def choices(self) -> list[tuple[str, StrOrPromise]]: ...

    def filter(self, files: QuerySet[Beneficiary], value: str) -> QuerySet[Beneficiary]: ...


_path_status: list[PathStatusFilter] = []


def register_path_status_filter(path_filter: PathStatusFilter) -> None:
    _path_status[:] = [path_filter]


def path_status_choices() -> list[tuple[str, StrOrPromise]]:
    return [choice for path_filter in _path_status for choice in path_filter.choices()]


class BeneficiaryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="search",
    )
    office = django_filters.ModelChoiceFilter(
        label=_("Bureau"), queryset=Office.objects.none(), empty_label=_("Tous les bureaux")
    )
    caseworker = django_filters.ModelChoiceFilter(
        label=_("Référent·e"), queryset=get_user_model().objects.none(), empty_label=_("Tous")
    )
    obligation_status = django_filters.ChoiceFilter(
        label=_("Obligation"), choices=ObligationStatus.choices[1:], empty_label=_("Toutes")
    )
    path_status = django_filters.ChoiceFilter(
        label=_("Parcours"),
        method="filter_path_status",
        empty_label=_("Tous"),
        choices=path_status_choices,
    )
    commune = django_filters.ModelChoiceFilter(
        label=_("Commune"), queryset=Commune.objects.all(), empty_label=_("Toutes les communes")
    )

    class Meta:
        model = Beneficiary
        fields = ("q", "office", "caseworker", "obligation_status", "path_status", "commune")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = Office.objects.all()
        if not user.sees_all_offices:
            offices = offices.filter(id__in=user.office_ids)
        self.filters["office"].queryset = offices
        self.filters["caseworker"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.CASEWORKER])
            .filter(offices__in=offices)
            .distinct()
            .order_by(*by_name("last_name", "first_name"), "id")
        )
        for name, field in self.form.fields.items():
            if name != "q":
                field.widget.attrs["class"] = "form-select"

    def filter_path_status(
        self, queryset: QuerySet[Beneficiary], _name: str, value: str
    ) -> QuerySet[Beneficiary]:
        for path_filter in _path_status:
            queryset = path_filter.filter(queryset, value)
        return queryset

    def search(self, queryset: QuerySet[Beneficiary], _name: str, value: str) -> QuerySet:
        return beneficiary_search(queryset, value)


def filtered_files(
    user: User, data: Mapping[str, str]
) -> tuple[QuerySet[Beneficiary], BeneficiaryFilter, drilldown.Narrowing | None]:
    """The file list as ``data`` asks (its filters, its search, the files behind a figure),
    within what ``user`` may open: shared by the list and its exports."""
    scoped: QuerySet[Beneficiary] = Beneficiary.objects.visible_to(user).select_related(
        "office", "commune", "caseworker"
    )
    narrowing = drilldown.narrow(scoped, user, data)
    if narrowing is not None:
        scoped = narrowing.files
    fields = {key: value for key, value in data.items() if key in BeneficiaryFilter.base_filters}
    filterset = BeneficiaryFilter(fields or None, queryset=scoped, user=user)
    return (filterset.qs if filterset.is_bound else scoped), filterset, narrowing
