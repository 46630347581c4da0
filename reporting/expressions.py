"""SQL pieces the figures need and Django does not ship: a percentile, date arithmetic in
days, and the attestation deadline in force computed in the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    DateField,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import LessThanOrEqual

from parcours import path_rules
from parcours.models import DeadlineKind, Extension


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL): the
    continuous percentile of an interval or a number."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile's fraction lies between 0 and 1")
        super().__init__(expression, fraction=fraction, **extra)


class DaysBetween(Func):
    """``later - earlier`` for two dates: a number of days (PostgreSQL date arithmetic)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


class PlusDays(Func):
    """``day + days``: a date moved by a whole number of days."""

    template = "(%(expressions)s)"
    arg_joiner = " + "
    output_field = DateField()


class WidthBucket(Func):
    """Which of the slices starting at ``thresholds`` (sorted) a value falls in: 1 for
    the first, ``len(thresholds) - 1`` for the last (the last threshold ends it), 0
    before and ``len(thresholds)`` after (PostgreSQL ``width_bucket``: a binary search,
    cheaper per row than truncating a time to a month in Brussels)."""

    function = "width_bucket"
    output_field = IntegerField()

    def __init__(self, expression: Any, thresholds: Sequence[date | datetime]) -> None:
        kind = "timestamptz[]" if isinstance(thresholds[0], datetime) else "date[]"
        super().__init__(
            expression, Value(list(thresholds)), template=f"%(function)s(%(expressions)s::{kind})"
        )


class EpochDays(Func):
    """An interval in days, with the fraction (``EXTRACT(EPOCH FROM …) / 86400``)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)"
    output_field = FloatField()


def merged(periods: Sequence[path_rules.Period]) -> list[path_rules.Period]:
    """Periods sorted, overlapping or touching ones joined (each day counts once)."""
    found: list[path_rules.Period] = []
    for period in sorted(periods, key=lambda p: p.start):
        if found and period.start <= date.fromordinal(found[-1].end.toordinal() + 1):
            last = found[-1]
            found[-1] = path_rules.Period(last.start, max(last.end, period.end))
        else:
            found.append(period)
    return found


def shifted_by_suspensions(
    base: Expression | F, running_from: Expression | F, suspensions: Sequence[path_rules.Period]
) -> Expression | F:
    """``path_rules.shift_for_suspensions`` in SQL, for a few general suspensions: each
    block of suspended days (from the day the clock runs) that begins on or before the
    deadline reached so far pushes it by its length."""
    current: Expression | F = base
    for period in merged(suspensions):
        first = Greatest(Value(period.start), running_from, output_field=DateField())
        current = PlusDays(
            current,
            Case(
                When(
                    LessThanOrEqual(first, current) & LessThanOrEqual(first, Value(period.end)),
                    then=DaysBetween(Value(period.end), first) + Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
    return current


def attestation_deadline_in_force(general: Sequence[path_rules.Period]) -> Expression:
    """A path's attestation deadline in force (``parcours.selectors.path_deadlines``): the
    one of its assessment, pushed by the general suspensions from the first permit order,
    unless the Minister's latest extension set a later one. For a queryset of paths."""
    base = F("attestation_deadline")
    running_from = Coalesce(F("beneficiary__permit_ordered_on"), base, output_field=DateField())
    extended = Subquery(
        Extension.objects.filter(parcours=OuterRef("pk"), deadline=DeadlineKind.ATTESTATION)
        .order_by("-decided_on", "-pk")
        .values("new_end_on")[:1],
        output_field=DateField(),
    )
    # GREATEST ignores NULL: without an extension, the shifted deadline.
    return Greatest(
        shifted_by_suspensions(base, running_from, general), extended, output_field=DateField()
    )


def interval_days(expression: Expression) -> Expression:
    return EpochDays(expression, output_field=FloatField())


def grouping_sets(
    rows: QuerySet[Any],
    *,
    sets: Sequence[Sequence[str]],
    counts: Mapping[str, str] | None = None,
    distinct: Mapping[str, str] | None = None,
    sums: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Several groupings of ``rows`` in one scan (PostgreSQL ``GROUPING SETS``).

    ``rows`` is a ``values()`` queryset (the scoping and the per-row expressions stay in
    the ORM); each result has the grouping columns (None outside its set), ``grouped``
    (the names of its set), and the aggregates: ``counts`` name a boolean column to count
    where true (``""``: every row), ``distinct`` a column to count once per value,
    ``sums`` a column to add up. Names are the code's, never input."""
    dimensions = sorted({name for grouping in sets for name in grouping})
    select = [f'"{name}"' for name in dimensions]
    select += [f'GROUPING("{name}") AS "_g_{name}"' for name in dimensions]
    for alias, flag in (counts or {}).items():
        where = f' FILTER (WHERE "{flag}")' if flag else ""
        select.append(f'COUNT(*){where} AS "{alias}"')
    for alias, column in (distinct or {}).items():
        select.append(f'COUNT(DISTINCT "{column}") AS "{alias}"')
    for alias, column in (sums or {}).items():
        select.append(f'SUM("{column}") AS "{alias}"')
    grouped = ", ".join("(" + ", ".join(f'"{n}"' for n in grouping) + ")" for grouping in sets)
    try:
        inner, params = rows.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that keeps nothing (``IN ()``): no rows, no groups
        return []
    sql = f"SELECT {', '.join(select)} FROM ({inner}) AS rows GROUP BY GROUPING SETS ({grouped})"  # noqa: S608 - names from the code, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description or ()]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in found:
        row["grouped"] = tuple(n for n in dimensions if not row.pop(f"_g_{n}"))
    return found
