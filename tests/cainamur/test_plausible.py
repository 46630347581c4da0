"""The plausibility rules (``cainamur/lib/plausible.py``): pure, no database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.be import nn

from cainamur.lib import plausible

TODAY = date(2026, 11, 30)


def register_number(birth: str, counter: int, *, bis_month_offset: int = 0) -> str:
    """An 11-digit number with its check digits, for a birth ``YYMMDD`` (a BIS number
    adds 20 or 40 to the month)."""
    year, month, day = birth[:2], int(birth[2:4]) + bis_month_offset, birth[4:]
    serial = f"{year}{month:02d}{day}{counter:03d}"
    base = int(("2" if int(year) < 30 else "") + serial)
    return f"{serial}{97 - base % 97:02d}"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (TODAY, True),
        (TODAY - timedelta(days=1), True),
        (TODAY + timedelta(days=1), False),
        (None, True),
    ],
)
def test_past_or_today(value: date | None, ok: bool) -> None:
    assert (plausible.past_or_today(value, today=TODAY) is None) is ok


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (date(1990, 5, 17), None),
        (date(1916, 11, 30), None),  # exactly 110 years
        (date(1916, 11, 29), "Plus de 110 ans"),
        (TODAY + timedelta(days=1), "futur"),
        (date(1900, 1, 1), "Plus de 110 ans"),
    ],
)
def test_birth_date(value: date, message: str | None) -> None:
    problem = plausible.birth_date(value, today=TODAY)
    assert problem is None if message is None else message in (problem or "")


def test_years_before_a_29_february() -> None:
    assert plausible.years_before(date(2028, 2, 29), 110) == date(1918, 2, 28)


def test_after_and_within_a_year() -> None:
    assert plausible.after(date(2026, 1, 1), date(2026, 1, 1), message="x") == "x"
    assert plausible.after(date(2026, 1, 1), date(2026, 1, 1), message="x", strict=False) is None
    assert plausible.after(None, date(2026, 1, 1), message="x") is None
    assert plausible.within_a_year(date(2027, 1, 3), date(2026, 1, 1)) is not None
    assert plausible.within_a_year(date(2026, 12, 31), date(2026, 1, 1)) is None


def test_within_offer() -> None:
    first, last = date(2026, 9, 1), date(2026, 12, 20)
    inside = plausible.within_offer(date(2026, 9, 1), date(2026, 9, 30), first=first, last=last)
    assert inside is None
    before = plausible.within_offer(date(2026, 8, 25), date(2026, 9, 5), first=first, last=last)
    assert before is not None and "01/09/2026" in before and "20/12/2026" in before
    after = plausible.within_offer(date(2026, 12, 1), date(2026, 12, 21), first=first, last=last)
    assert after is not None
    assert plausible.within_offer(date(2020, 1, 1), date(2030, 1, 1), first=None, last=None) is None


def test_a_proof_counts_from_its_date_on() -> None:
    assert plausible.counts_on(date(2026, 3, 1), date(2026, 3, 1))
    assert not plausible.counts_on(date(2026, 3, 2), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3", None),
        ("2.5", None),
        ("2.25", None),
        ("2.500", None),  # a trailing zero is not a third decimal
        ("-1.75", None),
        ("2.125", "Deux décimales"),
        ("0.001", "Deux décimales"),
        ("NaN", "nombre d'heures"),
        ("sNaN", "nombre d'heures"),
        ("Infinity", "nombre d'heures"),
        ("-Infinity", "nombre d'heures"),
        ("1e400", "10 000"),
        ("10000", "10 000"),
    ],
)
def test_hours_amount(typed: str, message: str | None) -> None:
    problem = plausible.hours_amount(Decimal(typed))
    assert problem is None if message is None else message in (problem or "")


@settings(database=None)
@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_hours_amount_accepts_exactly_what_the_ledger_stores(value: Decimal) -> None:
    """Accepted: what a ``DecimalField(6, 2)`` holds without rounding."""
    accepted = plausible.hours_amount(value) is None
    stores = (
        value.is_finite()
        and abs(value) < 10000
        and value == value.quantize(Decimal("0.01"), rounding="ROUND_HALF_EVEN")
    )
    assert accepted == stores


def test_hours_in_days() -> None:
    assert plausible.hours_in_days(Decimal("10"), days=1, max_per_day=10) is None
    one_day = plausible.hours_in_days(Decimal("10.25"), days=1, max_per_day=10)
    assert one_day is not None and "10 heures par jour" in one_day
    assert plausible.hours_in_days(Decimal("70"), days=7, max_per_day=10) is None
    week = plausible.hours_in_days(Decimal("71"), days=7, max_per_day=10)
    assert week is not None and "7 jours" in week
    assert plausible.hours_in_days(Decimal("-50"), days=1, max_per_day=10) is None


def test_hours_over_tolerance_and_who_reads_what() -> None:
    assert not plausible.hours_over_tolerance(
        Decimal("66"), required=Decimal("60"), tolerance_percent=10
    )
    assert plausible.hours_over_tolerance(
        Decimal("66.01"), required=Decimal("60"), tolerance_percent=10
    )
    assert plausible.hours_over_tolerance(Decimal("1"), required=Decimal("0"), tolerance_percent=10)
    coordinator = plausible.hours_excess(
        Decimal("70"), required=Decimal("60"), tolerance_percent=10, may_confirm=True
    )
    caseworker = plausible.hours_excess(
        Decimal("70"), required=Decimal("60"), tolerance_percent=10, may_confirm=False
    )
    assert "cochez la confirmation" in coordinator and "70 h pour 60 h" in coordinator
    assert "coordinatrice ou un coordinateur doit confirmer" in caseworker


def test_too_long() -> None:
    assert plausible.too_long("x" * 300, max_length=300) is None
    problem = plausible.too_long("x" * 301, max_length=300)
    assert problem is not None and "300" in problem and "301" in problem
    assert plausible.too_long("x" * 10_000, max_length=None) is None


MAN_1985 = "85073003328"  # 85.07.30-033.28


@pytest.mark.parametrize(
    ("number", "birth", "sex", "expected"),
    [
        (MAN_1985, date(1985, 7, 30), "M", []),
        (MAN_1985, date(1985, 7, 30), "X", []),  # « autre » : the sex is not compared
        (MAN_1985, date(1985, 7, 30), "F", ["celui d'un homme"]),
        (MAN_1985, date(1992, 3, 14), "M", ["le 30/07/1985, pas le 14/03/1992"]),
        (MAN_1985, date(1992, 3, 14), "F", ["le 30/07/1985", "celui d'un homme"]),
        (MAN_1985, None, "M", []),
        (register_number("920314", 2), date(1992, 3, 14), "F", []),
        (register_number("920314", 2), date(1992, 3, 14), "M", ["celui d'une femme"]),
        # Born in 2005: the check digits count from 2000.
        (register_number("050101", 7), date(2005, 1, 1), "M", []),
        (register_number("050101", 7), date(1905, 1, 1), "M", ["le 01/01/2005"]),
        # Month and day unknown when the number was given (or the day counter ran out).
        (register_number("880000", 5), date(1988, 6, 1), "M", []),
        (register_number("880000", 5), date(1987, 6, 1), "M", ["en 1988, pas en 1987"]),
        # Only the day unknown.
        (register_number("880600", 5), date(1988, 6, 17), "M", []),
        (register_number("880600", 5), date(1988, 7, 17), "M", ["en 06/1988, pas en 07/1988"]),
        # BIS, sex unknown (month + 20): the date only.
        (register_number("850730", 33, bis_month_offset=20), date(1985, 7, 30), "F", []),
        (
            register_number("850730", 33, bis_month_offset=20),
            date(1986, 7, 30),
            "F",
            ["le 30/07/1985"],
        ),
        # BIS, sex known (month + 40).
        (register_number("850730", 33, bis_month_offset=40), date(1985, 7, 30), "M", []),
        (
            register_number("850730", 33, bis_month_offset=40),
            date(1985, 7, 30),
            "F",
            ["celui d'un homme"],
        ),
        # BIS with the whole date unknown (month 20, day 00): nothing to compare but the year.
        (register_number("852000", 33), date(1985, 3, 3), "F", []),
        ("12345678901", date(1985, 7, 30), "M", []),  # not a number: the form says so
    ],
)
def test_register_number_disagreements(
    number: str, birth: date | None, sex: str, expected: list[str]
) -> None:
    problems = plausible.register_number_disagreements(number, birth=birth, sex=sex)
    assert len(problems) == len(expected), problems
    for problem, words in zip(problems, expected, strict=True):
        assert words in problem


def test_the_numbers_of_the_examples_are_valid() -> None:
    assert nn.is_valid(register_number("920314", 2))
    assert nn.is_valid(register_number("880000", 5))
