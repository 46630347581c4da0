"""What a set of figures covers: a period, the offices the user may see, and the filters
chosen on the dashboard. Every indicator reads the files through :func:`scoped_files`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from parcours import rules
from parcours.models import Parcours
from parcours.rules import add_months
from reporting import nationality
from reporting.models import FileFacts
from reporting.periods import Period

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

F = TypeVar("F", Beneficiary, FileFacts)

#: Age bands (age in full years on the last day of the period): key -> (label, from, to).
AGE_BANDS: dict[str, tuple[StrOrPromise, int, int | None]] = {
    "0-17": (_("moins de 18 ans"), 0, 17),
    "18-25": (_("18 à 25 ans"), 18, 25),
    "26-35": (_("26 à 35 ans"), 26, 35),
    "36-45": (_("36 à 45 ans"), 36, 45),
    "46-55": (_("46 à 55 ans"), 46, 55),
    "56-64": (_("56 à 64 ans"), 56, 64),
    "65+": (_("65 ans et plus"), 65, None),
}

#: The regime filter: the person has a path under this regime (obliged) or a voluntary one.
REGIME_CHOICES = (
    (rules.REGIME_2018, _("régime 18 mois")),
    (rules.REGIME_2024, _("régime 3 ans")),
    ("voluntary", _("parcours volontaire")),
)


@dataclass(frozen=True)
class Filters:
    """The dashboard's optional filters, by id or code (empty: no filter)."""

    office: int | None = None
    commune: int | None = None
    arrondissement: str = ""
    caseworker: int | None = None
    regime: str = ""
    nationality: str = ""
    sex: str = ""
    age_band: str = ""

    @property
    def on_people(self) -> bool:
        """A filter on the person (not only on the office): rows without a file (a phone
        message, a walk-in ticket not linked to a file) cannot be counted under it."""
        return bool(
            self.commune
            or self.arrondissement
            or self.caseworker
            or self.regime
            or self.nationality
            or self.sex
            or self.age_band
        )

    @property
    def any(self) -> bool:
        return self.office is not None or self.on_people


@dataclass(frozen=True)
class Scope:
    """A period, the offices the user may see (None: every office) and the filters.
    ``today`` decides which deadlines have passed and how long a wait has lasted."""

    period: Period
    today: date
    offices: frozenset[int] | None = None
    filters: Filters = field(default_factory=Filters)

    @property
    def restricts_files(self) -> bool:
        """Whether the figures need the files at all: with every office and no filter,
        activity tables are counted on their own (no join with the files)."""
        return self.offices is not None or self.filters.any

    @property
    def office_ids(self) -> frozenset[int] | None:
        """The offices counted: the chosen one within the user's, or the user's."""
        chosen = self.filters.office
        if chosen is None:
            return self.offices
        if self.offices is not None and chosen not in self.offices:
            return frozenset()
        return frozenset({chosen})


def age_band_birth_dates(band: str, on: date) -> tuple[date | None, date]:
    """Birth dates of the people whose age in full years on ``on`` falls in ``band``:
    born after the first date (None: no lower bound) and on or before the second."""
    _label, youngest, oldest = AGE_BANDS[band]
    latest = add_months(on, -12 * youngest)
    earliest = add_months(on, -12 * (oldest + 1)) if oldest is not None else None
    return earliest, latest


def scoped_files(scope: Scope) -> QuerySet[Beneficiary]:
    """The files the figures of ``scope`` may count: the user's offices and the filters.
    Anonymised files stay (year of birth, sex, nationality, commune are kept for this)."""
    return in_scope(Beneficiary.objects.all(), scope)


def scoped_facts(scope: Scope) -> QuerySet[FileFacts]:
    """The same files as :func:`scoped_files`, as their narrow rows of facts (what the
    dashboard scans)."""
    return in_scope(FileFacts.objects.all(), scope)


def in_scope(files: QuerySet[F], scope: Scope) -> QuerySet[F]:
    """``files`` (the files themselves or their facts: the fields have the same names)
    kept to the user's offices and the filters."""
    offices = scope.office_ids
    if offices is not None:
        files = files.filter(office_id__in=offices)
    chosen = scope.filters
    if chosen.commune:
        files = files.filter(commune_id=chosen.commune)
    if chosen.arrondissement:
        files = files.filter(commune__arrondissement=chosen.arrondissement)
    if chosen.caseworker:
        files = files.filter(caseworker_id=chosen.caseworker)
    if chosen.regime:
        paths = Parcours.objects.filter(beneficiary=OuterRef("pk"))
        if chosen.regime == "voluntary":
            paths = paths.filter(kind=Parcours.Kind.VOLUNTARY)
        else:
            paths = paths.filter(kind=Parcours.Kind.OBLIGED, regime=chosen.regime)
        files = files.filter(Exists(paths))
    if chosen.nationality:
        files = files.filter(nationality__in=nationality.codes_of(chosen.nationality))
    if chosen.sex:
        files = files.filter(sex=chosen.sex)
    if chosen.age_band:
        earliest, latest = age_band_birth_dates(chosen.age_band, scope.period.end)
        files = files.filter(birth_date__lte=latest)
        if earliest is not None:
            files = files.filter(birth_date__gt=earliest)
    return files
