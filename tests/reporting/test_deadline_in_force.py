"""The attestation deadline in force, computed in the database, is the one the file page
computes in Python (``path_rules.effective_deadline``): general suspensions from the first
permit order, then the Minister's extension."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models import DateField, Value

from beneficiaries.models import Beneficiary
from cainamur.models import User
from parcours import path_rules
from reporting.expressions import merged, shifted_by_suspensions
from tests.factories import BeneficiaryFactory


def _in_sql(base: date, running_from: date, periods: list[path_rules.Period]) -> date:
    expression = shifted_by_suspensions(
        Value(base, output_field=DateField()),
        Value(running_from, output_field=DateField()),
        periods,
    )
    return Beneficiary.objects.annotate(due=expression).values_list("due", flat=True)[0]


def test_suspensions_push_the_deadline_as_the_file_page_does(caseworker: User) -> None:
    BeneficiaryFactory()  # a row to compute on
    rng = random.Random(16)
    for _case in range(40):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 2000))
        base = start + timedelta(days=rng.randrange(0, 700))
        periods = []
        for _n in range(rng.randrange(0, 4)):
            first = date(2019, 6, 1) + timedelta(days=rng.randrange(0, 2200))
            periods.append(path_rules.Period(first, first + timedelta(days=rng.randrange(0, 90))))
        expected = path_rules.effective_deadline(base, running_from=start, suspensions=periods)
        assert _in_sql(base, start, periods) == expected, (base, start, periods)


def test_overlapping_suspensions_count_each_day_once() -> None:
    periods = [
        path_rules.Period(date(2020, 3, 18), date(2020, 4, 30)),
        path_rules.Period(date(2020, 4, 1), date(2020, 5, 10)),
        path_rules.Period(date(2020, 5, 11), date(2020, 5, 12)),
    ]
    assert merged(periods) == [path_rules.Period(date(2020, 3, 18), date(2020, 5, 12))]
