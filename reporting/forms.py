"""The dashboard's period and filters (a GET form: ids and codes only, never a name)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.models import Arrondissement, Commune, Sex
from cainamur.lib.name_order import by_name
from cainamur.models import User
from cainamur.roles import GROUP_NAMES, Role
from offices.models import Office
from reporting import nationality, periods
from reporting.periods import FIRST_YEAR, Period, PeriodKind
from reporting.scope import AGE_BANDS, REGIME_CHOICES, Filters, Scope

PERIOD_CHOICES = (
    (PeriodKind.YEAR.value, gettext_lazy("Année")),
    (PeriodKind.QUARTER.value, gettext_lazy("Trimestre")),
    (PeriodKind.MONTH.value, gettext_lazy("Mois")),
    (PeriodKind.CUSTOM.value, gettext_lazy("Dates choisies")),
)
QUARTER_CHOICES = [
    (1, gettext_lazy("1er trimestre (janvier à mars)")),
    (2, gettext_lazy("2e trimestre (avril à juin)")),
    (3, gettext_lazy("3e trimestre (juillet à septembre)")),
    (4, gettext_lazy("4e trimestre (octobre à décembre)")),
]
#: The form's filter fields, in order, and the Filters attribute each sets.
FILTER_FIELDS = {
    "bureau": "office",
    "arrondissement": "arrondissement",
    "localite": "commune",
    "referent": "caseworker",
    "regime": "regime",
    "nationalite": "nationality",
    "sexe": "sex",
    "age": "age_band",
}
PERIOD_FIELDS = ("periode", "annee", "trimestre", "mois", "du", "au")


def visible_offices(user: User) -> QuerySet[Office]:
    offices = Office.objects.all()
    if not user.sees_all_offices:
        offices = offices.filter(id__in=user.office_ids)
    return offices


class PilotageForm(forms.Form):
    periode = forms.ChoiceField(label=gettext_lazy("Période"), choices=PERIOD_CHOICES)
    annee = forms.TypedChoiceField(label=gettext_lazy("Année"), coerce=int, required=False)
    trimestre = forms.TypedChoiceField(
        label=gettext_lazy("Trimestre"),
        coerce=int,
        choices=[("", "—"), *QUARTER_CHOICES],
        required=False,
        empty_value=None,
    )
    mois = forms.TypedChoiceField(
        label=gettext_lazy("Mois"),
        coerce=int,
        choices=[
            ("", "—"),
            *((n, str(name).capitalize()) for n, name in enumerate(periods.MONTH_NAMES, 1)),
        ],
        required=False,
        empty_value=None,
    )
    du = forms.DateField(
        label=gettext_lazy("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    au = forms.DateField(
        label=gettext_lazy("Au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bureau = forms.ModelChoiceField(
        label=gettext_lazy("Bureau"),
        queryset=Office.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tous vos bureaux"),
    )
    arrondissement = forms.ChoiceField(
        label=gettext_lazy("Arrondissement"),
        choices=[("", gettext_lazy("Tous")), *Arrondissement.choices],
        required=False,
    )
    localite = forms.ModelChoiceField(
        label=gettext_lazy("Commune"),
        queryset=Commune.objects.all(),
        required=False,
        empty_label=gettext_lazy("Toutes les communes"),
    )
    referent = forms.ModelChoiceField(
        label=gettext_lazy("Référent·e"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Tous"),
    )
    regime = forms.ChoiceField(
        label=gettext_lazy("Régime"),
        choices=[("", gettext_lazy("Tous")), *REGIME_CHOICES],
        required=False,
    )
    nationalite = forms.ChoiceField(
        label=gettext_lazy("Nationalité"),
        choices=[("", gettext_lazy("Toutes")), *nationality.group_choices()],
        required=False,
    )
    sexe = forms.ChoiceField(
        label=gettext_lazy("Sexe"),
        choices=[("", gettext_lazy("Tous")), *Sex.choices],
        required=False,
    )
    age = forms.ChoiceField(
        label=gettext_lazy("Âge à la fin de la période"),
        choices=[("", gettext_lazy("Tous")), *((k, v[0]) for k, v in AGE_BANDS.items())],
        required=False,
    )

    def __init__(self, data: Any = None, *, user: User, today: date) -> None:
        # No period chosen yet: the current year, every office the user sees.
        if data is not None and not data.get("periode"):
            data = {
                **{key: data.get(key) for key in data},
                "periode": PeriodKind.YEAR.value,
                "annee": str(today.year),
            }
        super().__init__(data)
        self.user = user
        self.today = today
        self.period: Period | None = None
        years = cast(forms.TypedChoiceField, self.fields["annee"])
        years.choices = [(year, str(year)) for year in range(today.year, FIRST_YEAR - 1, -1)]
        offices = visible_offices(user)
        office = cast(forms.ModelChoiceField, self.fields["bureau"])
        office.queryset = offices
        office.empty_label = (
            _("Tous les bureaux") if user.sees_all_offices else _("Tous vos bureaux")
        )
        caseworker = cast(forms.ModelChoiceField, self.fields["referent"])
        caseworker.queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.CASEWORKER])
            .filter(offices__in=offices)
            .distinct()
            .order_by(*by_name("last_name", "first_name"), "id")
        )
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = css

    @property
    def period_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PERIOD_FIELDS]

    @property
    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FILTER_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        kind = data.get("periode")
        year = data.get("annee")
        if kind == PeriodKind.CUSTOM:
            problems = periods.custom_problems(data.get("du"), data.get("au"), today=self.today)
            for name, message in problems.items():
                self.add_error(name, message)
            if not problems:
                self.period = Period(data["du"], data["au"], PeriodKind.CUSTOM)
            return data
        if kind is None:
            return data
        if not year:
            self.add_error("annee", _("Choisissez l'année."))
            return data
        if kind == PeriodKind.YEAR:
            self.period = periods.year(year)
        elif kind == PeriodKind.QUARTER:
            if not data.get("trimestre"):
                self.add_error("trimestre", _("Choisissez le trimestre."))
                return data
            self.period = periods.quarter(year, data["trimestre"])
        elif kind == PeriodKind.MONTH:
            if not data.get("mois"):
                self.add_error("mois", _("Choisissez le mois."))
                return data
            self.period = periods.month(year, data["mois"])
        if self.period is not None and self.period.start > self.today:
            field = "mois" if kind == PeriodKind.MONTH else "trimestre"
            self.add_error(field, _("Cette période n'a pas encore commencé."))
            self.period = None
        return data

    def scope(self) -> Scope:
        """The figures' scope: the chosen period and filters, within the user's offices."""
        assert self.period is not None, "scope() after a valid form"
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name, attribute in FILTER_FIELDS.items():
            value = data.get(name)
            if value in (None, ""):
                continue
            values[attribute] = getattr(value, "pk", value)
        user = self.user
        return Scope(
            period=self.period,
            today=self.today,
            offices=None if user.sees_all_offices else frozenset(user.office_ids),
            filters=Filters(**values),
        )

    def query(self) -> list[tuple[str, str]]:
        """The chosen period and filters as query parameters (for links), canonical: only
        what the period needs, and the filters set."""
        assert self.period is not None
        return period_query(self.period) + [
            (name, str(getattr(value, "pk", value)))
            for name in FILTER_FIELDS
            if (value := self.cleaned_data.get(name)) not in (None, "")
        ]

    def described_filters(self) -> list[str]:
        """The filters set, in words (« Bureau : Namur »)."""
        found: list[str] = []
        for name in FILTER_FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            field = self.fields[name]
            label = str(value)
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                label = str(dict(cast(list[tuple[Any, Any]], field.choices)).get(value, value))
            elif isinstance(value, User):
                label = value.get_full_name() or value.username
            found.append(f"{field.label} : {label}")
        return found


def period_query(period: Period) -> list[tuple[str, str]]:
    kind = period.kind
    query = [("periode", kind.value)]
    if kind == PeriodKind.CUSTOM:
        return [*query, ("du", period.start.isoformat()), ("au", period.end.isoformat())]
    query.append(("annee", str(period.start.year)))
    if kind == PeriodKind.QUARTER:
        query.append(("trimestre", str((period.start.month - 1) // 3 + 1)))
    elif kind == PeriodKind.MONTH:
        query.append(("mois", str(period.start.month)))
    return query
