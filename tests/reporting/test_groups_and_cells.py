"""Nationality groups cover every country once; age bands; small counts hidden in what
leaves the centre; charts drawn as labelled, escaped SVG."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django_countries import countries

from reporting import charts, nationality
from reporting.scope import AGE_BANDS, age_band_birth_dates
from reporting.suppression import small_cell, suppressed


def test_every_nationality_belongs_to_exactly_one_group() -> None:
    codes = {code for code, _name in countries if code}
    assert {"XK", "XS", "XU"} <= codes  # the registers' own codes, from the settings
    for code in codes:
        holding = [key for key, (_label, members) in nationality.GROUPS.items() if code in members]
        assert len(holding) == 1, (code, holding)
    assert nationality.group_of("FR") == "eu" and nationality.group_of("NO") == "eu"
    assert nationality.group_of("TR") == "europe" and nationality.group_of("XK") == "europe"
    assert nationality.group_of("MA") == "north_africa"
    assert nationality.group_of("CD") == "africa"
    assert nationality.group_of("SY") == "near_east" and nationality.group_of("AF") == "asia"
    assert nationality.group_of("XS") == "other"


def test_age_bands_by_birth_date_on_the_last_day() -> None:
    on = date(2026, 12, 31)
    earliest, latest = age_band_birth_dates("18-25", on)
    assert latest == date(2008, 12, 31)  # 18 on that day
    assert earliest == date(2000, 12, 31)  # born that day: 26, too old
    assert age_band_birth_dates("65+", on) == (None, date(1961, 12, 31))
    assert len(AGE_BANDS) == 7


def test_small_counts_are_hidden_with_the_threshold(settings: Any) -> None:
    assert [small_cell(n) for n in (0, 1, 4, 5, 12)] == [0, "< 5", "< 5", 5, 12]
    assert small_cell(None) is None
    assert small_cell(Decimal("2.5")) == Decimal("2.5")  # hours: a sum, not people
    assert not suppressed(True)
    settings.CAI_SMALL_CELL = 10
    assert small_cell(9) == "< 10" and small_cell(10) == 10
    settings.CAI_SMALL_CELL = 1
    assert small_cell(1) == 1  # 1: every count shown


def test_charts_are_labelled_escaped_svg() -> None:
    bars = charts.bar_chart([("Namur", 12), ("<Éghezée>", 3)], title="Par commune")
    assert bars.startswith("<svg") and 'role="img"' in bars
    assert "<title" in bars and "Par commune" in bars
    assert "&lt;Éghezée&gt;" in bars and "<Éghezée>" not in bars
    hidden = charts.bar_chart([("Namur", 12), ("Andenne", 3)], title="x", mask=5)
    assert "&lt; 5" in hidden and ">3<" not in hidden
    columns = charts.column_chart(
        ["janv.", "févr."], [("Reçues", [3, 4]), ("Ouverts", [5, 0])], title="Par mois"
    )
    assert "pattern" in columns and "Reçues" in columns and "févr." in columns
    funnel = charts.funnel_chart([("premier contact", 40), ("attestation", 10)], title="F")
    assert "(25 %)" in funnel
    assert charts.bar_chart([], title="vide") == ""
