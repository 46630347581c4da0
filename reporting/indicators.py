"""The figures of the activity report, computed in the database.

Each figure is defined once, here (its docstring) and in ``docs/domain.md``
(« Indicators »): what it counts, over which period, and which files are behind it.
Figures come from a few aggregate queries (``COUNT … FILTER``, ``SUM``, ``GROUP BY``) —
never from a loop over rows in Python; what Python adds up are the few grouped rows the
database returns (38 communes, a handful of axes or appointment types).

Every figure carries a :class:`Drill`: the indicator and value whose files the file list
shows when the figure is clicked (:func:`drill_files`, through the hook
``beneficiaries.drilldown``), within the user's scope.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Appointment, AppointmentType, Seat
from attestations.models import Attestation
from beneficiaries.languages import LANGUAGE_CHOICES
from beneficiaries.models import Arrondissement, Beneficiary, Commune, ObligationStatus
from cainamur.lib.localtime import day_bounds
from cainamur.models import AuditEvent
from operators.models import OFFER_AXES, Orientation
from operators.services import ORIENTATION_STEP
from outbox.models import Dispatch
from parcours import path_rules, rules
from parcours.models import (
    Axis,
    AxisKind,
    Convention,
    DeadlineKind,
    Extension,
    FrenchLevel,
    HoursEntry,
    ObligationAssessment,
    Parcours,
    Suspension,
    WelcomeModule,
)
from reception.models import Callback, QueueTicket
from reporting import summaries
from reporting.expressions import (
    Percentile,
    WidthBucket,
    attestation_deadline_in_force,
    grouping_sets,
    interval_days,
    merged,
)
from reporting.models import AppointmentDay, HoursSummary
from reporting.periods import Bucket, Period, PeriodKind, buckets, weekly
from reporting.scope import Scope, scoped_facts, scoped_files

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

M = TypeVar("M", bound=Model)
Number = int | Decimal | float | None

# --- What the page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Drill:
    """Which files are behind a figure: an indicator, its value (an outcome, an axis…),
    and, for a line of a series or of the communes, a narrower period or one commune."""

    indicator: str
    value: str = ""
    period: Period | None = None
    commune: int | None = None
    arrondissement: str = ""


@dataclass(frozen=True)
class Cell:
    value: Number
    drill: Drill | None = None
    unit: str = ""  # "h" hours, "j" days, "%" a share


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    detail: bool = False  # a line under the one before (indented)
    total: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[Row]
    note: str = ""
    chart: str = ""  # SVG markup, set by the page (reporting.charts)


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    note: str = ""


@dataclass
class Dashboard:
    scope: Scope
    headline: list[tuple[str, Cell]]
    sections: list[Section]
    series: Table
    communes: Table
    funnel: Table
    extras: dict[str, Any] = field(default_factory=dict)

    def all_tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]


# --- Drill-downs: the files behind a figure -------------------------------------------------

FileQuery = Callable[[Scope, str], QuerySet[Beneficiary]]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: StrOrPromise
    files: FileQuery
    #: The values it takes, with their labels; None: any text (an operator's name).
    values: Mapping[str, StrOrPromise] | None = None

    def value_label(self, value: str) -> str:
        if not value:
            return ""
        if self.values is not None and value in self.values:
            return str(self.values[value])
        return value.replace("|", " — ")


INDICATORS: dict[str, Indicator] = {}


def indicator(
    key: str, label: StrOrPromise, values: Mapping[str, StrOrPromise] | None = None
) -> Callable[[FileQuery], FileQuery]:
    def register(files: FileQuery) -> FileQuery:
        INDICATORS[key] = Indicator(key, label, files, values)
        return files

    return register


class UnknownDrill(ValueError):
    """A drill-down names an indicator or a value that does not exist."""


def drill_files(scope: Scope, drill: Drill) -> QuerySet[Beneficiary]:
    """The files behind a figure, in ``scope`` (the caller also keeps them within what
    the user may open)."""
    found = INDICATORS.get(drill.indicator)
    if found is None:
        raise UnknownDrill(drill.indicator)
    if found.values is not None and drill.value and drill.value not in found.values:
        raise UnknownDrill(drill.value)
    return found.files(scope, drill.value)


# --- Small helpers ---------------------------------------------------------------------------


def _days(period: Period) -> tuple[date, date]:
    return (period.start, period.end)


def _files_of(rows: QuerySet[M], scope: Scope, path: str) -> QuerySet[M]:
    """Rows about a file, kept to the files in scope (no join at all when every office
    and no filter: the figures of the whole centre)."""
    if not scope.restricts_files:
        return rows
    return rows.filter(**{f"{path}__in": scoped_facts(scope).values("pk")})


def _office_rows(rows: QuerySet[M], scope: Scope, *, office: str, file: str) -> QuerySet[M]:
    """Rows of an office that may have no file (a phone message, a walk-in): kept to the
    offices in scope; a filter on the person keeps only those linked to a matching file."""
    offices = scope.office_ids
    if offices is not None:
        rows = rows.filter(**{f"{office}__in": offices})
    if scope.filters.on_people:
        rows = rows.filter(**{f"{file}__in": scoped_facts(scope).values("pk")})
    return rows


def _with(files: QuerySet[Beneficiary], rows: QuerySet[Any], path: str) -> QuerySet[Beneficiary]:
    """The files that have at least one of ``rows`` (``path``: the rows' link to the
    file)."""
    return files.filter(Exists(rows.filter(**{path: OuterRef("pk")})))


def _split(value: str) -> tuple[str, str]:
    first, _bar, second = value.partition("|")
    return first, second


def _first_up(label: StrOrPromise) -> str:
    """« CV et lettre… », « Copies envoyées aux CPAS »: the first letter up, the rest as
    written (``str.capitalize`` would lower « CPAS »)."""
    text = str(label)
    return text[:1].upper() + text[1:]


def _count(value: Any) -> int:
    return int(value or 0)


def _hours(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# --- Reception: first contacts and files ----------------------------------------------------

PRESENTATION_OUTCOMES = {
    "met": gettext_lazy("respectée"),
    "missed": gettext_lazy("manquée"),
    "upcoming": gettext_lazy("à venir"),
}


@indicator("received", gettext_lazy("Personnes reçues (premier contact)"))
def received_files(scope: Scope, _value: str) -> QuerySet[Beneficiary]:
    """People received: files whose first contact with the centre (« présenté·e au CAI
    le »: the first appointment attended or walk-in ticket, the earliest kept) falls in
    the period."""
    return scoped_files(scope).filter(presented_on__range=_days(scope.period))


@indicator("opened", gettext_lazy("Dossiers ouverts"))
def opened_files(scope: Scope, _value: str) -> QuerySet[Beneficiary]:
    """Files opened: registered in the period (the day the file was created, in
    Brussels)."""
    lo, hi = scope.period.bounds()
    return scoped_files(scope).filter(created_at__gte=lo, created_at__lt=hi)


def _presentation_q(scope: Scope, outcome: str) -> Q:
    """Presentation deadlines falling in the period: people obliged today whose deadline
    to present (moved by a force majeure) falls in the period; « met » when they came on
    or before it, « missed » once it has passed without it, « to come » otherwise."""
    today = scope.today
    due = Q(
        obligation_status=ObligationStatus.OBLIGED,
        presentation_deadline__range=_days(scope.period),
    )
    came_in_time = Q(presented_on__lte=F("presentation_deadline"))
    if outcome == "met":
        return due & came_in_time
    if outcome == "missed":
        return due & Q(presentation_deadline__lt=today) & ~came_in_time
    return due & Q(presentation_deadline__gte=today, presented_on__isnull=True)


@indicator(
    "presentation",
    gettext_lazy("Échéance de présentation au CAI"),
    PRESENTATION_OUTCOMES,
)
def presentation_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    return scoped_files(scope).filter(_presentation_q(scope, value or "met"))


def _day(value: date | datetime) -> date:
    """A truncated month or week as the raw query gives it (a timestamp) as a day."""
    return value.date() if isinstance(value, datetime) else value


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


@dataclass(frozen=True)
class FileFigures:
    """What one scan of the files in scope gives (``file_figures``)."""

    totals: dict[str, int]
    by_commune: dict[int, dict[str, int]]
    received_by_bucket: dict[date, int]
    opened_by_bucket: dict[date, int]


def period_is_current(scope: Scope) -> bool:
    """The period has not ended: no assessment can be later than its end, so each file's
    current outcome (copied on the file) is its latest assessment's."""
    _lo, hi = scope.period.bounds()
    return hi > timezone.now()


def file_figures(scope: Scope) -> FileFigures:
    """The files in scope, read from their narrow rows of facts (``FileFacts``): in total
    (one aggregate) people received, files opened, presentation deadlines met, missed and
    to come, the stages the people received have reached (the funnel), and — while the
    period runs — the obligation outcomes of the files opened with each exemption reason;
    then people received and files opened grouped three ways at once (per commune, per
    month or week of the first contact, per month or week of opening)."""
    lo, hi = scope.period.bounds()
    received = Q(presented_on__range=_days(scope.period))
    opened = Q(created_at__gte=lo, created_at__lt=hi)
    counted: dict[str, Q] = {
        "received": received,
        "opened": opened,
        **{
            f"presentation_{outcome}": _presentation_q(scope, outcome)
            for outcome in PRESENTATION_OUTCOMES
        },
        **{f"reached_{stage}": received & Q(**{stage: True}) for stage in _REACHED},
    }
    if period_is_current(scope):
        counted |= {
            f"status_{status}": opened & Q(obligation_status=status)
            for status in rules.ASSESSMENT_STATUSES
        }
        counted["status_unassessed"] = opened & Q(obligation_status=ObligationStatus.UNKNOWN)
        exempt = opened & Q(obligation_status=rules.EXEMPT)
        counted |= {
            f"reason_{reason}": exempt & Q(exemption_reasons__contains=[reason])
            for reason in EXEMPTION_LABELS
        }
    facts = scoped_facts(scope)
    found = facts.aggregate(**{name: Count("pk", filter=q) for name, q in counted.items()})
    totals = {name: _count(value) for name, value in found.items()}

    # Slices of the period by the day they start (the first contact's day) and by the
    # moment (the opening, from Brussels midnight).
    slices = buckets(scope.period)
    days = [piece.start for piece in slices]
    rows = (
        facts.filter(received | opened)
        .annotate(
            home=F("commune_id"),
            received_in=WidthBucket("presented_on", [*days, scope.period.end + timedelta(days=1)]),
            opened_in=WidthBucket("created_at", [*(day_bounds(day)[0] for day in days), hi]),
            is_received=_flag(received),
            is_opened=_flag(opened),
        )
        .values("home", "received_in", "opened_in", "is_received", "is_opened")
    )
    inside = range(1, len(slices) + 1)  # 0: before, len + 1: after, None: no date
    by_commune: dict[int, dict[str, int]] = {}
    received_by_bucket: dict[date, int] = {}
    opened_by_bucket: dict[date, int] = {}
    for row in grouping_sets(
        rows,
        sets=[("home",), ("received_in",), ("opened_in",)],
        counts={"received": "is_received", "opened": "is_opened"},
    ):
        grouped = row["grouped"]
        if grouped == ("home",):
            by_commune[row["home"]] = {"received": row["received"], "opened": row["opened"]}
        elif grouped == ("received_in",) and row["received_in"] in inside:
            received_by_bucket[slices[row["received_in"] - 1].key] = row["received"]
        elif grouped == ("opened_in",) and row["opened_in"] in inside:
            opened_by_bucket[slices[row["opened_in"] - 1].key] = row["opened"]
    return FileFigures(totals, by_commune, received_by_bucket, opened_by_bucket)


# --- Obligation outcomes --------------------------------------------------------------------

OBLIGATION_OUTCOMES: dict[str, StrOrPromise] = {
    rules.OBLIGED: gettext_lazy("obligé·e"),
    rules.EXEMPT: gettext_lazy("dispensé·e"),
    rules.NOT_CONCERNED: gettext_lazy("non concerné·e"),
    rules.INCOMPLETE: gettext_lazy("à compléter"),
    "unassessed": gettext_lazy("non évalué"),
}
EXEMPTION_LABELS: dict[str, StrOrPromise] = {
    rules.UNDER_18: gettext_lazy("moins de 18 ans"),
    rules.AGED_65_OR_OVER: gettext_lazy("65 ans ou plus"),
    rules.TEMPORARY_PROTECTION: gettext_lazy("protection temporaire"),
    rules.STANDSTILL_NATIONALITY: gettext_lazy("nationalité « standstill » (Turquie…)"),
    rules.MEDICAL: gettext_lazy("certificat médical"),
    rules.BELGIAN_DIPLOMA: gettext_lazy("diplôme de l'enseignement belge"),
    rules.EMPLOYMENT: gettext_lazy("travail à mi-temps au moins"),
    rules.STUDIES: gettext_lazy("études, bourse ou enseignement (FWB)"),
    rules.PRIOR_ATTESTATION: gettext_lazy("attestation déjà obtenue"),
}


def _latest_assessments(scope: Scope) -> QuerySet[Any]:
    """For each file opened in the period, the id of its latest assessment made by the
    end of the period. Assessments are only ever added (their time set on creation), so
    a file's latest one is the one with the highest id: a hashed aggregate, not a sort."""
    lo, hi = scope.period.bounds()
    opened = scoped_facts(scope).filter(created_at__gte=lo, created_at__lt=hi)
    return (
        ObligationAssessment.objects.filter(beneficiary__in=opened.values("pk"), assessed_at__lt=hi)
        .values("beneficiary_id")
        .annotate(last=Max("id"))
        .values("last")
        .order_by()
    )


@indicator("obligation", gettext_lazy("Issue de l'obligation"), OBLIGATION_OUTCOMES)
def obligation_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Obligation outcomes: the files opened in the period, by the outcome of their latest
    assessment made by the end of the period (« not assessed » when none was)."""
    opened = opened_files(scope, "")
    latest = ObligationAssessment.objects.filter(pk__in=_latest_assessments(scope))
    if value == "unassessed":
        return opened.exclude(pk__in=latest.values("beneficiary_id"))
    return opened.filter(pk__in=latest.filter(status=value).values("beneficiary_id"))


@indicator("exemption", gettext_lazy("Motif de dispense"), EXEMPTION_LABELS)
def exemption_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Exemptions by reason: among the files opened in the period found exempt, those
    exempt for this reason (a person exempt for two reasons counts under each)."""
    chosen = ObligationAssessment.objects.filter(
        pk__in=_latest_assessments(scope), status=rules.EXEMPT, reasons__contains=[value]
    )
    return opened_files(scope, "").filter(pk__in=chosen.values("beneficiary_id"))


def obligation_figures(scope: Scope, files: FileFigures) -> dict[str, int]:
    """Outcomes of the files opened in the period, with each exemption reason. While the
    period runs they come with the scan of the files (``files``: the outcome and reasons
    of each file's latest assessment, kept on its facts); for a period that has ended,
    from the assessments made by its end (one query)."""
    if period_is_current(scope):
        return {
            key: files.totals[f"status_{key}"] for key in (*rules.ASSESSMENT_STATUSES, "unassessed")
        } | {f"reason_{reason}": files.totals[f"reason_{reason}"] for reason in EXEMPTION_LABELS}
    latest = _latest_assessments(scope)
    counts = ObligationAssessment.objects.filter(pk__in=latest).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in rules.ASSESSMENT_STATUSES},
        **{
            f"reason_{reason}": Count(
                "pk", filter=Q(status=rules.EXEMPT, reasons__contains=[reason])
            )
            for reason in EXEMPTION_LABELS
        },
        assessed=Count("pk"),
    )
    counts["unassessed"] = files.totals["opened"] - _count(counts.pop("assessed"))
    return {key: _count(value) for key, value in counts.items()}


# --- The path -------------------------------------------------------------------------------

PATH_KINDS = dict(Parcours.Kind.choices)
PATH_ENDINGS: dict[str, StrOrPromise] = {
    Parcours.Status.ABANDONED: gettext_lazy("abandonnés"),
    Parcours.Status.TRANSFERRED: gettext_lazy("transférés hors province"),
    Parcours.Status.EXEMPTED: gettext_lazy("clos par une dispense"),
}
AXIS_LABELS: dict[str, StrOrPromise] = dict(OFFER_AXES)


def _paths(scope: Scope) -> QuerySet[Parcours]:
    return _files_of(Parcours.objects.all(), scope, "beneficiary")


@indicator("paths_opened", gettext_lazy("Parcours ouverts"), PATH_KINDS)
def paths_opened_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Paths opened in the period (obliged or voluntary)."""
    rows = Parcours.objects.filter(opened_on__range=_days(scope.period))
    if value:
        rows = rows.filter(kind=value)
    return _with(scoped_files(scope), rows, "beneficiary")


@indicator("paths_ended", gettext_lazy("Parcours clos sans attestation"), PATH_ENDINGS)
def paths_ended_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Paths abandoned, transferred out of the province, or closed by an exemption, on a
    day of the period."""
    rows = Parcours.objects.filter(closed_on__range=_days(scope.period), status=value)
    return _with(scoped_files(scope), rows, "beneficiary")


@indicator("suspended", gettext_lazy("Parcours suspendus"))
def suspended_files(scope: Scope, _value: str) -> QuerySet[Beneficiary]:
    """Paths suspended (a personal pause: illness, maternity…) starting in the period."""
    rows = Suspension.objects.filter(parcours__isnull=False, start_on__range=_days(scope.period))
    return _with(scoped_files(scope), rows, "parcours__beneficiary")


def _welcome_done() -> QuerySet[WelcomeModule]:
    """Welcome modules complete (social assessment, rights and duties, and the French test
    unless not needed), with the day they were: the latest of those steps."""
    return WelcomeModule.objects.filter(
        Q(french_test_on__isnull=False) | Q(french_level=FrenchLevel.NOT_NEEDED),
        social_assessment_on__isnull=False,
        rights_duties_on__isnull=False,
    ).annotate(
        done_on=Greatest(
            "social_assessment_on",
            "rights_duties_on",
            "french_test_on",
            output_field=DateField(),
        )
    )


@indicator("welcome_completed", gettext_lazy("Modules d'accueil terminés"))
def welcome_files(scope: Scope, _value: str) -> QuerySet[Beneficiary]:
    """Welcome modules completed in the period: the last of their steps (social
    assessment, rights-and-duties session, French test when needed) falls in it."""
    rows = _welcome_done().filter(Q(done_on__range=_days(scope.period)))
    return _with(scoped_files(scope), rows, "parcours__beneficiary")


CONVENTION_KINDS: dict[str, StrOrPromise] = {
    "first": gettext_lazy("conventions signées"),
    "amendment": gettext_lazy("avenants signés"),
}


@indicator("conventions", gettext_lazy("Conventions"), CONVENTION_KINDS)
def convention_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Conventions signed in the period (the first version of a path's convention);
    amendments (later versions) apart."""
    rows = Convention.objects.filter(signed_on__range=_days(scope.period))
    rows = rows.filter(version__gt=1) if value == "amendment" else rows.filter(version=1)
    return _with(scoped_files(scope), rows, "parcours__beneficiary")


@indicator("hours", gettext_lazy("Heures de formation"))
def hours_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Hours delivered: the lines of the axes' hours ledgers dated in the period
    (corrections included, so the sum is net), per axis and per operator named on the
    axis (« non précisé »: none, hours recorded by the centre)."""
    kind, operator = _split(value)
    rows = HoursEntry.objects.filter(on__range=_days(scope.period))
    if kind:
        rows = rows.filter(axis__kind=kind)
    if "|" in value:
        rows = rows.filter(axis__operator=operator)
    return _with(scoped_files(scope), rows, "axis__parcours__beneficiary")


@indicator("axes_completed", gettext_lazy("Axes terminés"), AXIS_LABELS)
def axes_completed_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Axes completed in the period (their required hours reached on a day of it)."""
    rows = Axis.objects.filter(completed_on__range=_days(scope.period))
    if value:
        rows = rows.filter(kind=value)
    return _with(scoped_files(scope), rows, "parcours__beneficiary")


ATTESTATION_KINDS: dict[str, StrOrPromise] = {
    **PATH_KINDS,
    "revoked": gettext_lazy("révoquées"),
}


@indicator("attestations", gettext_lazy("Attestations"), ATTESTATION_KINDS)
def attestation_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Attestations issued in the period, obliged or voluntary by the path at issue: first
    issues only (a re-issue correcting one is not counted again), whatever happened to
    them since; « revoked »: revoked on a day of the period."""
    if value == "revoked":
        lo, hi = scope.period.bounds()
        rows = Attestation.objects.filter(
            status=Attestation.Status.REVOKED, revoked_at__gte=lo, revoked_at__lt=hi
        )
    else:
        rows = Attestation.objects.filter(
            replaces__isnull=True, issued_on__range=_days(scope.period)
        )
        if value:
            rows = rows.filter(kind=value)
    return _with(scoped_files(scope), rows, "beneficiary")


COPY_KINDS: dict[str, StrOrPromise] = {
    Dispatch.Recipient.COMMUNE: gettext_lazy("copies envoyées aux communes"),
    Dispatch.Recipient.CPAS: gettext_lazy("copies envoyées aux CPAS"),
    "pending": gettext_lazy("copies pas encore parties"),
}
PENDING_COPY = (
    Dispatch.Status.QUEUED,
    Dispatch.Status.SENDING,
    Dispatch.Status.FAILED,
    Dispatch.Status.NEEDS_ADDRESS,
)


def _copies_q(scope: Scope, value: str) -> Q:
    lo, hi = scope.period.bounds()
    if value == "pending":
        return Q(created_at__gte=lo, created_at__lt=hi, status__in=PENDING_COPY)
    return Q(status=Dispatch.Status.SENT, sent_at__gte=lo, sent_at__lt=hi, recipient_kind=value)


@indicator("copies", gettext_lazy("Copies d'attestation"), COPY_KINDS)
def copy_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Copies of attestations sent to the commune and to the CPAS in the period (sent:
    the mail server accepted them); « pending »: copies owed in the period that have not
    left (queued, failed, or waiting for an address)."""
    rows = Dispatch.objects.filter(
        _copies_q(scope, value or Dispatch.Recipient.COMMUNE),
        purpose=Dispatch.Purpose.ATTESTATION_COPY,
    )
    return _with(scoped_files(scope), rows, "attestation__beneficiary")


def _hours_ledger(scope: Scope) -> QuerySet[Any]:
    """The hours of the period per axis kind, operator and person (rows ``kind``,
    ``operator``, ``person``, ``amount``): from the summary kept by triggers
    (``HoursSummary``, a row per axis) for a whole month, quarter or year, else from the
    ledger's lines."""
    covering = summaries.grain_of(scope.period)
    if covering is not None:
        grain, start = covering
        rows = HoursSummary.objects.filter(grain=grain, start=start)
        if scope.restricts_files:
            rows = rows.filter(person__in=scoped_facts(scope).values("pk"))
        return rows.values("kind", "operator", "person", amount=F("hours"))
    return (
        _files_of(
            HoursEntry.objects.filter(on__range=_days(scope.period)),
            scope,
            "axis__parcours__beneficiary",
        )
        .annotate(
            kind=F("axis__kind"),
            operator=F("axis__operator"),
            person=F("axis__parcours__beneficiary_id"),
        )
        .values("kind", "operator", "person")
        .annotate(amount=Sum("hours"))  # first per person (hashed), then the sets
    )


def path_figures(scope: Scope) -> dict[str, Any]:
    """The path's steps in the period (a query per table: paths, suspensions, welcome
    modules, conventions, axes, hours, attestations, copies)."""
    days = _days(scope.period)
    lo, hi = scope.period.bounds()
    paths = (
        _paths(scope)
        .filter(Q(opened_on__range=days) | Q(closed_on__range=days))
        .aggregate(
            **{
                f"opened_{kind}": Count("pk", filter=Q(opened_on__range=days, kind=kind))
                for kind in PATH_KINDS
            },
            **{
                f"ended_{status}": Count("pk", filter=Q(closed_on__range=days, status=status))
                for status in PATH_ENDINGS
            },
        )
    )
    suspended = _files_of(
        Suspension.objects.filter(parcours__isnull=False, start_on__range=days),
        scope,
        "parcours__beneficiary",
    ).aggregate(paths=Count("parcours", distinct=True))["paths"]
    welcome = _files_of(
        _welcome_done().filter(Q(done_on__range=days)), scope, "parcours__beneficiary"
    ).count()
    conventions = _files_of(
        Convention.objects.filter(signed_on__range=days), scope, "parcours__beneficiary"
    ).aggregate(
        first=Count("pk", filter=Q(version=1)),
        amendment=Count("pk", filter=Q(version__gt=1)),
    )
    axes = {
        row["kind"]: row["n"]
        for row in _files_of(
            Axis.objects.filter(completed_on__range=days), scope, "parcours__beneficiary"
        )
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    ledger = _hours_ledger(scope)
    hours: list[dict[str, Any]] = []
    hours_people: dict[str, int] = {}
    for row in grouping_sets(
        ledger,
        sets=[("kind", "operator"), ("kind",)],
        sums={"hours": "amount"},
        distinct={"people": "person"},
    ):
        if row["grouped"] == ("kind",):
            hours_people[row["kind"]] = row["people"]
        else:
            hours.append(row)
    hours.sort(key=lambda row: (row["kind"], row["operator"]))
    attestations = _files_of(
        Attestation.objects.filter(
            Q(replaces__isnull=True, issued_on__range=days)
            | Q(status=Attestation.Status.REVOKED, revoked_at__gte=lo, revoked_at__lt=hi)
        ),
        scope,
        "beneficiary",
    ).aggregate(
        **{
            kind: Count("pk", filter=Q(replaces__isnull=True, issued_on__range=days, kind=kind))
            for kind in PATH_KINDS
        },
        revoked=Count(
            "pk",
            filter=Q(status=Attestation.Status.REVOKED, revoked_at__gte=lo, revoked_at__lt=hi),
        ),
    )
    copies = _files_of(
        Dispatch.objects.filter(purpose=Dispatch.Purpose.ATTESTATION_COPY).filter(
            Q(sent_at__gte=lo, sent_at__lt=hi) | Q(created_at__gte=lo, created_at__lt=hi)
        ),
        scope,
        "attestation__beneficiary",
    ).aggregate(**{kind: Count("pk", filter=_copies_q(scope, kind)) for kind in COPY_KINDS})
    return {
        "paths": {key: _count(value) for key, value in paths.items()},
        "suspended": _count(suspended),
        "welcome": welcome,
        "conventions": {key: _count(value) for key, value in conventions.items()},
        "axes": axes,
        "hours": hours,
        "hours_people": hours_people,
        "attestations": {key: _count(value) for key, value in attestations.items()},
        "copies": {key: _count(value) for key, value in copies.items()},
    }


# --- Deadlines ------------------------------------------------------------------------------


def _general_suspensions(today: date) -> list[path_rules.Period]:
    """The general suspensions begun by today, clipped to today (as the file page counts
    them)."""
    return [
        path_rules.Period(start, min(end, today))
        for start, end in Suspension.objects.filter(
            parcours__isnull=True, start_on__lte=today
        ).values_list("start_on", "end_on")
    ]


#: A path in these statuses no longer carries the attestation deadline.
DEADLINE_LIFTED = (Parcours.Status.TRANSFERRED, Parcours.Status.EXEMPTED)


def _attestation_deadlines(scope: Scope) -> QuerySet[Parcours]:
    """Each person's latest obliged path (not transferred nor exempted) whose attestation
    deadline in force falls in the period, with ``deadline`` and ``attested`` (an
    attestation, not revoked, issued on or before it)."""
    general = _general_suspensions(scope.today)
    period = scope.period
    # The person's latest path: none opened after it (nor the same day with a higher
    # id). Checked for the few candidates only (an anti-join on the file's paths), not by
    # sorting every path of the centre.
    later = Parcours.objects.filter(beneficiary=OuterRef("beneficiary")).filter(
        Q(opened_on__gt=OuterRef("opened_on"))
        | Q(opened_on=OuterRef("opened_on"), pk__gt=OuterRef("pk"))
    )
    in_time = Attestation.objects.filter(
        parcours=OuterRef("pk"),
        status__in=[Attestation.Status.VALID, Attestation.Status.SUPERSEDED],
        issued_on__lte=OuterRef("deadline"),
    )
    # The deadline in force is never before the assessment's (suspensions push it later,
    # an extension counts only when later): narrow on that first, in the index's terms.
    pushed = sum(p.end.toordinal() - p.start.toordinal() + 1 for p in merged(general))
    extended = Extension.objects.filter(
        deadline=DeadlineKind.ATTESTATION, new_end_on__gte=period.start
    ).values("parcours_id")
    candidates = (
        Q(attestation_deadline__lte=period.end) | Q(attestation_deadline__isnull=True)
    ) & (Q(attestation_deadline__gte=period.start - timedelta(days=pushed)) | Q(pk__in=extended))
    return (
        _paths(scope)
        .filter(candidates, kind=Parcours.Kind.OBLIGED)
        .exclude(status__in=DEADLINE_LIFTED)
        .filter(~Exists(later))
        .annotate(deadline=attestation_deadline_in_force(general))
        .filter(deadline__range=_days(period))
        .annotate(attested=Exists(in_time))
    )


def _deadline_q(outcome: str, today: date) -> Q:
    if outcome == "met":
        return Q(attested=True)
    if outcome == "missed":
        return Q(attested=False, deadline__lt=today)
    return Q(attested=False, deadline__gte=today)


@indicator("attestation_deadline", gettext_lazy("Échéance de l'attestation"), PRESENTATION_OUTCOMES)
def attestation_deadline_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Attestation deadlines falling in the period: each obliged person's latest path
    (running, suspended, abandoned or done; not transferred or exempted), its deadline in
    force (general suspensions, the Minister's extension); « met » when an attestation
    (not revoked) was issued on or before it, « missed » once it has passed without one,
    « to come » otherwise."""
    rows = _attestation_deadlines(scope).filter(_deadline_q(value or "met", scope.today))
    return scoped_files(scope).filter(pk__in=rows.values("beneficiary_id"))


def deadline_figures(scope: Scope) -> dict[str, int]:
    counts = _attestation_deadlines(scope).aggregate(
        **{
            outcome: Count("pk", filter=_deadline_q(outcome, scope.today))
            for outcome in PRESENTATION_OUTCOMES
        }
    )
    return {key: _count(value) for key, value in counts.items()}


# --- Waiting lists --------------------------------------------------------------------------


def _waits(scope: Scope) -> QuerySet[Orientation]:
    """Orientations that were on a waiting list during the period, with ``left_at`` (the
    step that took them off it, from the audit trail; None: still waiting) and ``days``
    (the part of the wait inside the period, up to now)."""
    lo, hi = scope.period.bounds()
    step_off = AuditEvent.objects.filter(
        action=ORIENTATION_STEP,
        object_type__model="orientation",
        object_type__app_label="operators",
        object_id=OuterRef("pk"),
        data__from=Orientation.Status.WAITING,
        at__gte=OuterRef("waiting_since"),
    ).exclude(data__to=Orientation.Status.WAITING)
    now = timezone.now()
    return (
        _files_of(
            Orientation.objects.filter(waiting_since__isnull=False, waiting_since__lt=hi),
            scope,
            "beneficiary",
        )
        .annotate(left_at=Subquery(step_off.order_by("at", "id").values("at")[:1]))
        .filter(Q(left_at__isnull=True) | Q(left_at__gt=lo))
        .annotate(
            days=interval_days(
                Least(Coalesce("left_at", Value(now)), Value(hi))
                - Greatest("waiting_since", Value(lo))
            )
        )
        .filter(days__gt=0)
    )


@indicator("waiting", gettext_lazy("En liste d'attente"))
def waiting_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Waiting lists: people on an operator's waiting list for some time in the period
    (from the day they were put on it until the step that took them off, or today), per
    axis of the offer and operator — the evidence that places were missing
    (CWASS art. 152/8)."""
    axis, operator = _split(value)
    rows = _waits(scope)
    if axis:
        rows = rows.filter(offer__axis=axis)
    if "|" in value:
        rows = rows.filter(offer__operator__name=operator)
    return scoped_files(scope).filter(pk__in=rows.values("beneficiary_id"))


def waiting_figures(scope: Scope) -> list[dict[str, Any]]:
    """Days waited in the period and people waiting, per axis and operator."""
    return list(
        _waits(scope)
        .values("offer__axis", "offer__operator__name")
        .annotate(days=Sum("days"), people=Count("beneficiary_id", distinct=True))
        .order_by("offer__axis", "offer__operator__name")
    )


# --- Appointments ---------------------------------------------------------------------------

APPOINTMENT_OUTCOMES: dict[str, StrOrPromise] = {
    "held": gettext_lazy("honorés"),
    "no_show": gettext_lazy("absences"),
    "missed": gettext_lazy("non pointés"),
    "cancelled": gettext_lazy("annulés"),
}
_APPOINTMENT_STATUSES = {
    "held": (Appointment.Status.ARRIVED, Appointment.Status.DONE),
    "no_show": (Appointment.Status.NO_SHOW,),
    "missed": (Appointment.Status.MISSED,),
    "cancelled": (Appointment.Status.CANCELLED,),
}
_SEAT_STATUSES = {
    "held": (Seat.Status.ARRIVED,),
    "no_show": (Seat.Status.NO_SHOW,),
    "missed": (),
    "cancelled": (Seat.Status.CANCELLED,),
}


def _starting_in(scope: Scope, path: str = "during") -> Q:
    """Appointments starting in the period (the overlap lets the range index narrow the
    search; the start decides)."""
    lo, hi = scope.period.bounds()
    return Q(
        **{
            f"{path}__overlap": DateTimeTZRange(lo, hi),
            f"{path}__startswith__gte": lo,
            f"{path}__startswith__lt": hi,
        }
    )


def _appointments(scope: Scope) -> QuerySet[Appointment]:
    return _files_of(
        Appointment.objects.filter(_starting_in(scope), beneficiary__isnull=False),
        scope,
        "beneficiary",
    )


def _seats(scope: Scope) -> QuerySet[Seat]:
    return _files_of(
        Seat.objects.filter(_starting_in(scope, "session__during")), scope, "beneficiary"
    )


@indicator("appointments", gettext_lazy("Rendez-vous"))
def appointment_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Appointments starting in the period, by outcome: held (arrived or done; a seat in a
    group session marked present), no-show, not checked in (« non pointé »), cancelled;
    optionally of one type (``outcome|type id``)."""
    outcome, kind = _split(value)
    if outcome not in _APPOINTMENT_STATUSES:
        raise UnknownDrill(value)
    alone = Appointment.objects.filter(
        _starting_in(scope), status__in=_APPOINTMENT_STATUSES[outcome]
    )
    seats = Seat.objects.filter(
        _starting_in(scope, "session__during"), status__in=_SEAT_STATUSES[outcome]
    )
    if kind:
        if not kind.isdigit():
            raise UnknownDrill(value)
        alone = alone.filter(type_id=int(kind))
        seats = seats.filter(session__type_id=int(kind))
    files = scoped_files(scope)
    return files.filter(
        Exists(alone.filter(beneficiary=OuterRef("pk")))
        | Exists(seats.filter(beneficiary=OuterRef("pk")))
    )


LANGUAGES: dict[str, StrOrPromise] = dict(LANGUAGE_CHOICES)


@indicator("interpreter", gettext_lazy("Séances avec interprète"))
def interpreter_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Interpreter sessions: appointments held in the period (and seats present in a
    group session) for which an interpreter was booked, by language."""
    alone = Appointment.objects.filter(
        _starting_in(scope), status__in=_APPOINTMENT_STATUSES["held"]
    ).exclude(interpreter_language="")
    seats = Seat.objects.filter(
        _starting_in(scope, "session__during"), status=Seat.Status.ARRIVED
    ).exclude(interpreter_language="")
    if value:
        alone = alone.filter(interpreter_language=value)
        seats = seats.filter(interpreter_language=value)
    return scoped_files(scope).filter(
        Exists(alone.filter(beneficiary=OuterRef("pk")))
        | Exists(seats.filter(beneficiary=OuterRef("pk")))
    )


def _appointment_counts(scope: Scope) -> list[dict[str, Any]]:
    """Individual appointments of the period per type and interpreter language, each
    outcome counted (rows ``type_id``, ``interpreter_language``, the outcomes): from the
    per-day counts kept by triggers (``AppointmentDay``) unless a filter on the person is
    chosen (then from the appointments)."""
    if scope.filters.on_people:
        return list(
            _appointments(scope)
            .values("type_id", "interpreter_language")
            .annotate(
                **{
                    outcome: Count("pk", filter=Q(status__in=statuses))
                    for outcome, statuses in _APPOINTMENT_STATUSES.items()
                }
            )
            .order_by()
        )
    rows = AppointmentDay.objects.filter(day__range=_days(scope.period))
    offices = scope.office_ids
    if offices is not None:
        rows = rows.filter(office__in=offices)
    counted = (
        rows.values("interpreter_language", type_id=F("type"))
        .annotate(
            **{
                outcome: Sum("appointments", filter=Q(status__in=statuses))
                for outcome, statuses in _APPOINTMENT_STATUSES.items()
            }
        )
        .order_by()
    )
    return [row | {key: _count(row[key]) for key in _APPOINTMENT_STATUSES} for row in counted]


def appointment_figures(scope: Scope) -> dict[str, Any]:
    """Per appointment type, each outcome; per language, the sessions with an interpreter
    (one query for individual appointments, one for the seats of group sessions)."""
    alone = _appointment_counts(scope)
    seats = list(
        _seats(scope)
        .values("session__type_id", "interpreter_language")
        .annotate(
            **{
                outcome: Count("pk", filter=Q(status__in=statuses))
                for outcome, statuses in _SEAT_STATUSES.items()
                if statuses
            }
        )
        .order_by()
    )
    by_type: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(_APPOINTMENT_STATUSES, 0)
    )
    languages: dict[str, int] = defaultdict(int)
    for row in alone:
        for outcome in _APPOINTMENT_STATUSES:
            by_type[row["type_id"]][outcome] += row[outcome]
        if row["interpreter_language"]:
            languages[row["interpreter_language"]] += row["held"]
    for row in seats:
        for outcome in ("held", "no_show", "cancelled"):
            by_type[row["session__type_id"]][outcome] += row[outcome]
        if row["interpreter_language"]:
            languages[row["interpreter_language"]] += row["held"]
    return {"by_type": dict(by_type), "languages": {k: v for k, v in languages.items() if v}}


# --- Walk-ins and call-backs ----------------------------------------------------------------

TICKET_OUTCOMES: dict[str, StrOrPromise] = {
    **dict(QueueTicket.Topic.choices),
    "none": gettext_lazy("sujet non noté"),
    "left": gettext_lazy("parties sans être reçues"),
}


def _tickets(scope: Scope) -> QuerySet[QueueTicket]:
    return _office_rows(
        QueueTicket.objects.filter(on__range=_days(scope.period)),
        scope,
        office="permanence__office",
        file="beneficiary",
    )


@indicator("permanence", gettext_lazy("Passages en permanence"), TICKET_OUTCOMES)
def permanence_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Walk-in visits: tickets of a permanence on a day of the period, people received
    (« reçu·e ») by the topic noted, and those who left without being seen. Only tickets
    linked to a file lead to files."""
    rows = QueueTicket.objects.filter(on__range=_days(scope.period))
    if value == "left":
        rows = rows.filter(status=QueueTicket.Status.LEFT)
    else:
        rows = rows.filter(status=QueueTicket.Status.DONE)
        if value:
            rows = rows.filter(topic="" if value == "none" else value)
    offices = scope.office_ids
    if offices is not None:
        rows = rows.filter(permanence__office__in=offices)
    return _with(scoped_files(scope), rows, "beneficiary")


def ticket_figures(scope: Scope) -> dict[str, int]:
    rows = (
        _tickets(scope)
        .values("topic")
        .annotate(
            done=Count("pk", filter=Q(status=QueueTicket.Status.DONE)),
            left=Count("pk", filter=Q(status=QueueTicket.Status.LEFT)),
        )
        .order_by()
    )
    found: dict[str, int] = defaultdict(int)
    for row in rows:
        found[row["topic"] or "none"] += row["done"]
        found["left"] += row["left"]
    return dict(found)


CALLBACK_OUTCOMES: dict[str, StrOrPromise] = {
    "received": gettext_lazy("messages reçus"),
    "done": gettext_lazy("rappels traités"),
    "open": gettext_lazy("encore à rappeler"),
}


def _callbacks(scope: Scope) -> QuerySet[Callback]:
    lo, hi = scope.period.bounds()
    return _office_rows(
        Callback.objects.filter(created_at__gte=lo, created_at__lt=hi),
        scope,
        office="office",
        file="beneficiary",
    )


@indicator("callbacks", gettext_lazy("Rappels téléphoniques"), CALLBACK_OUTCOMES)
def callback_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """Call-backs: phone messages taken in the period; those done, those still open.
    Only messages linked to a file lead to files."""
    lo, hi = scope.period.bounds()
    rows = Callback.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if value == "done":
        rows = rows.filter(status=Callback.Status.DONE)
    elif value == "open":
        rows = rows.filter(status=Callback.Status.OPEN)
    offices = scope.office_ids
    if offices is not None:
        rows = rows.filter(office__in=offices)
    return _with(scoped_files(scope), rows, "beneficiary")


def callback_figures(scope: Scope) -> dict[str, Any]:
    """Messages taken in the period, done, open; the delay from the message to « done »
    (median, 90th percentile, share within a day)."""
    delay = F("closed_at") - F("created_at")
    done = Q(status=Callback.Status.DONE, closed_at__isnull=False)
    counts = _callbacks(scope).aggregate(
        received=Count("pk"),
        done=Count("pk", filter=done),
        open=Count("pk", filter=Q(status=Callback.Status.OPEN)),
        within_day=Count("pk", filter=done & Q(closed_at__lte=F("created_at") + timedelta(days=1))),
        median=Percentile(interval_days(delay), 0.5, filter=done),
        p90=Percentile(interval_days(delay), 0.9, filter=done),
    )
    return counts


# --- Series, communes, funnel ---------------------------------------------------------------


def series_figures(scope: Scope, files: FileFigures) -> dict[str, dict[date, int]]:
    """Per month (per week for a short period): people received and files opened (from
    the scan of the files), conventions signed, attestations issued."""
    by_week = weekly(scope.period)
    days = _days(scope.period)

    def grouped(rows: QuerySet[Any], name: str) -> dict[date, int]:
        kind = TruncWeek if by_week else TruncMonth
        return {
            row["bucket"]: row["n"]
            for row in rows.annotate(bucket=kind(name, output_field=DateField()))
            .values("bucket")
            .annotate(n=Count("pk"))
            .order_by()
        }

    return {
        "received": files.received_by_bucket,
        "opened": files.opened_by_bucket,
        "conventions": grouped(
            _files_of(
                Convention.objects.filter(signed_on__range=days, version=1),
                scope,
                "parcours__beneficiary",
            ),
            "signed_on",
        ),
        "attestations": grouped(
            _files_of(
                Attestation.objects.filter(replaces__isnull=True, issued_on__range=days),
                scope,
                "beneficiary",
            ),
            "issued_on",
        ),
    }


FUNNEL_STAGES: dict[str, StrOrPromise] = {
    "received": gettext_lazy("premier contact"),
    "path": gettext_lazy("parcours ouvert"),
    "welcome": gettext_lazy("module d'accueil terminé"),
    "convention": gettext_lazy("convention signée"),
    "attestation": gettext_lazy("attestation délivrée"),
}


def _funnel_conditions() -> dict[str, Q]:
    return {
        "path": Q(pk__in=Parcours.objects.values("beneficiary_id")),
        "welcome": Q(pk__in=_welcome_done().values("parcours__beneficiary_id")),
        "convention": Q(pk__in=Convention.objects.values("parcours__beneficiary_id")),
        "attestation": Q(
            pk__in=Attestation.objects.filter(replaces__isnull=True).values("beneficiary_id")
        ),
    }


#: The stages after the first contact, as ``FileFacts`` names them.
_REACHED = ("path", "welcome", "convention", "attestation")


def funnel_figures(files: FileFigures) -> dict[str, int]:
    """How many of the people received in the period reached each stage: counted with
    the scan of the files (the stages each file has reached are kept on its facts)."""
    totals = files.totals
    return {"received": totals["received"]} | {
        stage: totals[f"reached_{stage}"] for stage in _REACHED
    }


@indicator("funnel", gettext_lazy("Du premier contact à l'attestation"), FUNNEL_STAGES)
def funnel_files(scope: Scope, value: str) -> QuerySet[Beneficiary]:
    """The funnel: people received in the period (their first contact), and how many of
    them have since, to this day, a path opened, a welcome module completed, a convention
    signed, an attestation issued (counted with the scan of the files, file_figures)."""
    cohort = received_files(scope, "")
    if value and value != "received":
        cohort = cohort.filter(_funnel_conditions()[value])
    return cohort


# --- The dashboard --------------------------------------------------------------------------


#: Memory a reporting query may sort and hash in (PostgreSQL ``work_mem``, per operation).
REPORT_WORK_MEM = "64MB"


def _cell(value: Number, indicator_key: str, drill_value: str = "", unit: str = "") -> Cell:
    return Cell(value, Drill(indicator_key, drill_value), unit)


def dashboard(scope: Scope) -> Dashboard:
    """Every figure of ``scope``, grouped as the page and the report show them."""
    in_scope = Commune.objects.all()
    if scope.filters.commune:
        in_scope = in_scope.filter(pk=scope.filters.commune)
    if scope.filters.arrondissement:
        in_scope = in_scope.filter(arrondissement=scope.filters.arrondissement)
    with transaction.atomic(), connection.cursor() as cursor:
        # A few large scans and aggregates: sorted and hashed in memory, not on disk, and
        # not worth compiling (for this transaction only).
        cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        files = file_figures(scope)
        obligation = obligation_figures(scope, files)
        path = path_figures(scope)
        attestation_deadlines = deadline_figures(scope)
        waiting = waiting_figures(scope)
        appointments = appointment_figures(scope)
        tickets = ticket_figures(scope)
        callbacks = callback_figures(scope)
        series = series_figures(scope, files)
        funnel = funnel_figures(files)
        communes = list(in_scope)
        type_names = dict(AppointmentType.objects.values_list("pk", "name"))
    totals = files.totals
    by_commune = files.by_commune

    headline = [
        (_("Personnes reçues"), _cell(totals["received"], "received")),
        (_("Dossiers ouverts"), _cell(totals["opened"], "opened")),
        (_("Conventions signées"), _cell(path["conventions"]["first"], "conventions", "first")),
        (
            _("Attestations délivrées"),
            _cell(sum(path["attestations"][kind] for kind in PATH_KINDS), "attestations", ""),
        ),
    ]

    reception_table = Table(
        "accueil",
        _("Premiers contacts et dossiers"),
        (_("Indicateur"), _("Nombre")),
        [
            Row(_("Personnes reçues (premier contact)"), (_cell(totals["received"], "received"),)),
            Row(_("Dossiers ouverts"), (_cell(totals["opened"], "opened"),)),
        ],
    )

    obligation_rows = [
        Row(
            _("Obligé·e"),
            (_cell(obligation[rules.OBLIGED], "obligation", rules.OBLIGED),),
        ),
        Row(_("Dispensé·e"), (_cell(obligation[rules.EXEMPT], "obligation", rules.EXEMPT),)),
        *(
            Row(
                str(label),
                (_cell(obligation[f"reason_{reason}"], "exemption", reason),),
                detail=True,
            )
            for reason, label in EXEMPTION_LABELS.items()
        ),
        Row(
            _("Non concerné·e"),
            (_cell(obligation[rules.NOT_CONCERNED], "obligation", rules.NOT_CONCERNED),),
        ),
        Row(
            _("À compléter"),
            (_cell(obligation[rules.INCOMPLETE], "obligation", rules.INCOMPLETE),),
        ),
        Row(
            _("Non évalué"),
            (_cell(obligation["unassessed"], "obligation", "unassessed"),),
        ),
    ]
    obligation_table = Table(
        "obligation",
        _("Issue de l'obligation des dossiers ouverts"),
        (_("Issue"), _("Dossiers")),
        obligation_rows,
        note=_(
            "Selon la dernière évaluation faite à la fin de la période. Une personne "
            "dispensée pour plusieurs motifs compte sous chacun d'eux."
        ),
    )

    paths = path["paths"]
    steps = Table(
        "etapes",
        _("Étapes du parcours"),
        (_("Étape"), _("Nombre")),
        [
            Row(
                _("Parcours ouverts"),
                (_cell(sum(paths[f"opened_{k}"] for k in PATH_KINDS), "paths_opened"),),
            ),
            *(
                Row(str(label), (_cell(paths[f"opened_{kind}"], "paths_opened", kind),), True)
                for kind, label in PATH_KINDS.items()
            ),
            Row(_("Modules d'accueil terminés"), (_cell(path["welcome"], "welcome_completed"),)),
            Row(
                _("Conventions signées"),
                (_cell(path["conventions"]["first"], "conventions", "first"),),
            ),
            Row(
                _("Avenants signés"),
                (_cell(path["conventions"]["amendment"], "conventions", "amendment"),),
            ),
            Row(
                _("Attestations délivrées"),
                (_cell(sum(path["attestations"][k] for k in PATH_KINDS), "attestations", ""),),
            ),
            Row(
                _("à des personnes obligées"),
                (_cell(path["attestations"]["obliged"], "attestations", "obliged"),),
                detail=True,
            ),
            Row(
                _("à des volontaires"),
                (_cell(path["attestations"]["voluntary"], "attestations", "voluntary"),),
                detail=True,
            ),
            Row(
                _("Attestations révoquées"),
                (_cell(path["attestations"]["revoked"], "attestations", "revoked"),),
            ),
            *(
                Row(
                    _first_up(label),
                    (_cell(path["copies"][kind], "copies", kind),),
                )
                for kind, label in COPY_KINDS.items()
            ),
            Row(_("Parcours suspendus"), (_cell(path["suspended"], "suspended"),)),
            *(
                Row(
                    _("Parcours %(how)s") % {"how": label},
                    (_cell(paths[f"ended_{status}"], "paths_ended", status),),
                )
                for status, label in PATH_ENDINGS.items()
            ),
        ],
    )

    hours_rows: list[Row] = []
    hours_by_axis: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in path["hours"]:
        hours_by_axis[row["kind"]].append(row)
    for kind in AxisKind.values:
        lines = hours_by_axis.get(kind, [])
        hours_rows.append(
            Row(
                str(AXIS_LABELS[kind]),
                (
                    _cell(_hours(sum(r["hours"] for r in lines)), "hours", kind, "h"),
                    _cell(path["hours_people"].get(kind, 0), "hours", kind),
                    Cell(path["axes"].get(kind, 0), Drill("axes_completed", kind)),
                ),
            )
        )
        for line in lines:
            operator = line["operator"]
            hours_rows.append(
                Row(
                    operator or _("opérateur non précisé (centre)"),
                    (
                        _cell(_hours(line["hours"]), "hours", f"{kind}|{operator}", "h"),
                        _cell(line["people"], "hours", f"{kind}|{operator}"),
                        Cell(None),
                    ),
                    detail=True,
                )
            )
    hours_table = Table(
        "heures",
        _("Heures de formation par axe et opérateur"),
        (_("Axe / opérateur"), _("Heures"), _("Personnes"), _("Axes terminés")),
        hours_rows,
        note=_(
            "Heures des registres datées dans la période, corrections déduites ; l'opérateur "
            "est celui que nomme l'axe."
        ),
    )

    deadlines_table = Table(
        "echeances",
        _("Échéances légales tombant dans la période"),
        (_("Échéance"), _("Respectées"), _("Manquées"), _("À venir")),
        [
            Row(
                _("Présentation au CAI"),
                tuple(
                    _cell(totals[f"presentation_{outcome}"], "presentation", outcome)
                    for outcome in PRESENTATION_OUTCOMES
                ),
            ),
            Row(
                _("Attestation"),
                tuple(
                    _cell(attestation_deadlines[outcome], "attestation_deadline", outcome)
                    for outcome in PRESENTATION_OUTCOMES
                ),
            ),
        ],
        note=_(
            "Personnes obligées ; échéances en vigueur (force majeure, suspensions générales, "
            "prorogations). « À venir » : l'échéance n'est pas encore passée."
        ),
    )

    waiting_rows: list[Row] = []
    waits_by_axis: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for wait in waiting:
        waits_by_axis[wait["offer__axis"]].append(wait)
    for axis, lines in waits_by_axis.items():
        waiting_rows.append(
            Row(
                str(AXIS_LABELS.get(axis, axis)),
                (
                    _cell(sum(r["people"] for r in lines), "waiting", axis),
                    Cell(round(sum(r["days"] or 0 for r in lines)), unit="j"),
                ),
            )
        )
        for line in lines:
            name = line["offer__operator__name"]
            waiting_rows.append(
                Row(
                    name,
                    (
                        _cell(line["people"], "waiting", f"{axis}|{name}"),
                        Cell(round(line["days"] or 0), unit="j"),
                    ),
                    detail=True,
                )
            )
    waiting_table = Table(
        "attente",
        _("Listes d'attente des opérateurs"),
        (_("Axe / opérateur"), _("Personnes en attente"), _("Jours d'attente")),
        waiting_rows,
        note=_(
            "Jours passés sur une liste d'attente pendant la période (jusqu'à aujourd'hui "
            "pour qui attend encore) : la preuve des places manquantes (CWASS, art. 152/8)."
        ),
    )

    appointment_rows = [
        Row(
            type_names.get(type_id, "?"),
            tuple(
                _cell(counts[outcome], "appointments", f"{outcome}|{type_id}")
                for outcome in APPOINTMENT_OUTCOMES
            ),
        )
        for type_id, counts in sorted(
            appointments["by_type"].items(), key=lambda item: str(type_names.get(item[0], ""))
        )
    ]
    appointment_rows.append(
        Row(
            _("Total"),
            tuple(
                _cell(
                    sum(c[outcome] for c in appointments["by_type"].values()),
                    "appointments",
                    outcome,
                )
                for outcome in APPOINTMENT_OUTCOMES
            ),
            total=True,
        )
    )
    appointments_table = Table(
        "rendez-vous",
        _("Rendez-vous par type"),
        (_("Type"), *(_first_up(label) for label in APPOINTMENT_OUTCOMES.values())),
        appointment_rows,
        note=_(
            "Rendez-vous commençant dans la période, avec un dossier ; places en séance de "
            "groupe comprises (présent·e : honoré)."
        ),
    )
    interpreter_table = Table(
        "interpretes",
        _("Séances avec interprète, par langue"),
        (_("Langue"), _("Séances")),
        [
            Row(str(LANGUAGES.get(code, code)), (_cell(count, "interpreter", code),))
            for code, count in sorted(appointments["languages"].items(), key=lambda i: -i[1])
        ],
    )

    ticket_rows = [
        Row(_first_up(label), (_cell(tickets.get(key, 0), "permanence", key),))
        for key, label in TICKET_OUTCOMES.items()
        if key != "left"
    ]
    ticket_rows.append(
        Row(
            _first_up(TICKET_OUTCOMES["left"]),
            (_cell(tickets.get("left", 0), "permanence", "left"),),
        )
    )
    permanence_table = Table(
        "permanences",
        _("Passages en permanence, par sujet"),
        (_("Sujet"), _("Personnes reçues")),
        ticket_rows,
    )
    median, p90 = callbacks["median"], callbacks["p90"]
    callbacks_table = Table(
        "rappels",
        _("Rappels téléphoniques"),
        (_("Indicateur"), _("Valeur")),
        [
            *(
                Row(_first_up(label), (_cell(_count(callbacks[key]), "callbacks", key),))
                for key, label in CALLBACK_OUTCOMES.items()
            ),
            Row(_("Traités dans les 24 heures"), (Cell(_count(callbacks["within_day"])),)),
            Row(
                _("Délai médian (message → traité)"),
                (Cell(None if median is None else round(median * 24, 1), unit="h"),),
            ),
            Row(
                _("Délai du 9e décile (90 % traités en moins de)"),
                (Cell(None if p90 is None else round(p90 * 24, 1), unit="h"),),
            ),
        ],
    )

    series_table = _series_table(scope, series)
    communes_table = _communes_table(communes, by_commune)
    funnel_table = Table(
        "entonnoir",
        _("Du premier contact à l'attestation"),
        (_("Étape"), _("Personnes")),
        [
            Row(_first_up(label), (_cell(funnel[stage], "funnel", stage),))
            for stage, label in FUNNEL_STAGES.items()
        ],
        note=_(
            "Les personnes reçues pendant la période, et ce qu'elles ont atteint depuis, "
            "jusqu'à aujourd'hui."
        ),
    )

    sections = [
        Section("evolution", _("Évolution"), [series_table]),
        Section("accueil", _("Accueil"), [reception_table, communes_table]),
        Section("obligation", _("Obligation"), [obligation_table]),
        Section("parcours", _("Parcours"), [funnel_table, steps, hours_table]),
        Section("echeances", _("Échéances"), [deadlines_table]),
        Section("places", _("Places et listes d'attente"), [waiting_table]),
        Section("rendez-vous", _("Rendez-vous"), [appointments_table, interpreter_table]),
        Section("permanences", _("Permanences et rappels"), [permanence_table, callbacks_table]),
    ]
    return Dashboard(
        scope=scope,
        headline=headline,
        sections=sections,
        series=series_table,
        communes=communes_table,
        funnel=funnel_table,
    )


def _bucket_period(bucket: Bucket) -> Period:
    """A month of a series as a month (its label reads « mars 2026 »), a week as dates."""
    whole_month = bucket.start.day == 1 and (bucket.end + timedelta(days=1)).day == 1
    return Period(bucket.start, bucket.end, PeriodKind.MONTH if whole_month else PeriodKind.CUSTOM)


def _series_table(scope: Scope, series: dict[str, dict[date, int]]) -> Table:
    names = {
        "received": ("received", ""),
        "opened": ("opened", ""),
        "conventions": ("conventions", "first"),
        "attestations": ("attestations", ""),
    }
    rows = [
        Row(
            bucket.label,
            tuple(
                Cell(
                    series[name].get(bucket.key, 0),
                    Drill(key, value, period=_bucket_period(bucket)),
                )
                for name, (key, value) in names.items()
            ),
        )
        for bucket in buckets(scope.period)
    ]
    return Table(
        "serie",
        _("Par semaine") if weekly(scope.period) else _("Par mois"),
        (
            _("Semaine du") if weekly(scope.period) else _("Mois"),
            _("Personnes reçues"),
            _("Dossiers ouverts"),
            _("Conventions signées"),
            _("Attestations délivrées"),
        ),
        rows,
    )


def _communes_table(communes: Iterable[Commune], by_commune: dict[int, dict[str, int]]) -> Table:
    """Every commune of the province in scope, the busiest first, with each arrondissement's
    total after them."""
    empty = {"received": 0, "opened": 0}
    lines = sorted(
        ((commune, by_commune.get(commune.pk, empty)) for commune in communes),
        key=lambda item: (-item[1]["received"], -item[1]["opened"], item[0].name),
    )
    rows = [
        Row(
            commune.name,
            (
                Cell(figures["received"], Drill("received", commune=commune.pk)),
                Cell(figures["opened"], Drill("opened", commune=commune.pk)),
            ),
        )
        for commune, figures in lines
    ]
    arrondissements: dict[str, dict[str, int]] = {}
    for commune, figures in lines:
        totals = arrondissements.setdefault(commune.arrondissement, {"received": 0, "opened": 0})
        for name in ("received", "opened"):
            totals[name] += figures[name]
    for key, label in Arrondissement.choices:
        if key in arrondissements:
            rows.append(
                Row(
                    _("Arrondissement de %(name)s") % {"name": label},
                    (
                        Cell(
                            arrondissements[key]["received"], Drill("received", arrondissement=key)
                        ),
                        Cell(arrondissements[key]["opened"], Drill("opened", arrondissement=key)),
                    ),
                    total=True,
                )
            )
    return Table(
        "communes",
        _("Par commune de résidence"),
        (_("Commune"), _("Personnes reçues"), _("Dossiers ouverts")),
        rows,
        note=_(
            "Les 38 communes de la province, les plus actives d'abord, puis les arrondissements."
        ),
    )
