"""The obligation rules (``parcours/rules.py``): a table of cases, then hypothesis properties.

Pure Python: no database, no settings. The hypothesis tests keep no example database
(``database=None``): a failure prints its minimal example, which the table can then pin.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django_countries.data import COUNTRIES
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.rules import (
    AGED_65_OR_OVER,
    ASSESSMENT_STATUSES,
    BELGIAN,
    BELGIAN_DIPLOMA,
    EEA_AND_SWISS_STATES,
    EMPLOYMENT,
    EU_CITIZEN,
    EU_FAMILY_MEMBER,
    EU_MEMBER_STATES,
    EXEMPT,
    EXEMPTION_CODES,
    EXEMPTION_REASONS,
    INCOMPLETE,
    LEGAL_REFERENCES,
    LONG_STAY,
    MEDICAL,
    MISSING_LABELS,
    NOT_CONCERNED,
    NOT_CONCERNED_REASONS,
    OBLIGED,
    PERMIT_BEFORE_2016_05_19,
    PRIOR_ATTESTATION,
    PROTECTION_APPLICANT,
    REASON_LABELS,
    REGIME_2018,
    REGIME_2024,
    REGIME_ATTESTATION_MONTHS,
    REGIMES,
    SHORT_PERMIT,
    STANDSTILL_NATIONALITY,
    STATUS_LABELS,
    STUDIES,
    TEMPORARY_PROTECTION,
    UNDER_18,
    Assessment,
    PersonFacts,
    add_months,
    age_on,
    assess_obligation,
)

d = date

# A Moroccan adult who registered in 2023 and ordered a long permit a few weeks later:
# obliged under the 2018 regime. Every case below changes only what it is about.
BASE = PersonFacts(
    birth_date=d(1990, 6, 15),
    nationality="MA",
    first_registration_on=d(2023, 3, 10),
    permit_ordered_on=d(2023, 4, 1),
)
ON = d(2024, 1, 10)


def obliged(regime: str, presentation: date | None, attestation: date) -> Assessment:
    return Assessment(OBLIGED, (), regime, presentation, attestation)


def not_concerned(*reasons: str) -> Assessment:
    return Assessment(NOT_CONCERNED, reasons, None, None, None)


def exempt(*reasons: str) -> Assessment:
    return Assessment(EXEMPT, reasons, None, None, None)


def incomplete(*missing: str) -> Assessment:
    return Assessment(INCOMPLETE, (), None, None, None, missing=missing)


# Presentation: 3 months after the later of the registration and the permit order.
BASE_OBLIGED = obliged(REGIME_2018, d(2023, 7, 1), d(2024, 10, 1))


def case(
    case_id: str,
    expected: Assessment,
    on: date = ON,
    options: dict[str, Any] | None = None,
    **changes: Any,
) -> Any:
    return pytest.param(replace(BASE, **changes), on, options or {}, expected, id=case_id)


CASES = [
    case("baseline-obliged-2018", BASE_OBLIGED),
    # --- not concerned, one reason at a time -------------------------------------------------
    case("belgian", not_concerned(BELGIAN), nationality="BE"),
    case("eu-france", not_concerned(EU_CITIZEN), nationality="FR"),
    case("eu-greece-is-GR", not_concerned(EU_CITIZEN), nationality="GR"),
    case("eu-hungary", not_concerned(EU_CITIZEN), nationality="HU"),
    case("eea-iceland", not_concerned(EU_CITIZEN), nationality="IS"),
    case("eea-liechtenstein", not_concerned(EU_CITIZEN), nationality="LI"),
    case("eea-norway", not_concerned(EU_CITIZEN), nationality="NO"),
    case("switzerland", not_concerned(EU_CITIZEN), nationality="CH"),
    case("united-kingdom-is-not-eu", BASE_OBLIGED, nationality="GB"),
    case("eu-family-member", not_concerned(EU_FAMILY_MEMBER), eu_family_member=True),
    case("protection-applicant", not_concerned(PROTECTION_APPLICANT), protection_applicant=True),
    case("no-permit-date-is-incomplete", incomplete("permit_ordered_on"), permit_ordered_on=None),
    case("permit-3-months-or-less", not_concerned(SHORT_PERMIT), permit_over_3_months=False),
    case(
        "no-permit-and-no-registration-is-incomplete",
        incomplete("first_registration_on", "permit_ordered_on"),
        permit_ordered_on=None,
        first_registration_on=None,
    ),
    # --- issue 11: Wallonia, first permit, stay in Belgium, family of an EU citizen ----------
    case(
        "four-years-in-antwerp-then-namur-not-concerned",
        not_concerned(LONG_STAY),
        stay_started_on=d(2019, 1, 10),
        permit_ordered_on=d(2019, 2, 1),
        first_registration_on=d(2023, 3, 10),
    ),
    case(
        "two-years-in-brussels-then-namur-obliged-from-namur",
        obliged(REGIME_2018, d(2023, 6, 10), d(2023, 1, 1)),
        stay_started_on=d(2021, 6, 1),
        permit_ordered_on=d(2021, 7, 1),
        first_registration_on=d(2023, 3, 10),
    ),
    case(
        "three-years-of-stay-reached-on-the-permit-day",
        not_concerned(LONG_STAY),
        stay_started_on=d(2020, 4, 1),
        first_registration_on=d(2023, 3, 10),
        permit_ordered_on=d(2023, 4, 1),
    ),
    case(
        "three-years-of-stay-minus-a-day-on-the-permit-day",
        obliged(REGIME_2018, d(2023, 7, 1), d(2024, 10, 1)),
        stay_started_on=d(2020, 4, 2),
        first_registration_on=d(2023, 3, 10),
        permit_ordered_on=d(2023, 4, 1),
    ),
    case(
        "permit-ordered-before-registering-in-wallonia",
        obliged(REGIME_2018, d(2023, 8, 1), d(2024, 7, 15)),
        first_registration_on=d(2023, 5, 1),
        permit_ordered_on=d(2023, 1, 15),
    ),
    case(
        "registration-unknown-but-the-permit-proves-a-long-stay",
        not_concerned(LONG_STAY),
        stay_started_on=d(2015, 1, 1),
        first_registration_on=None,
        permit_ordered_on=d(2019, 1, 1),
    ),
    case(
        "registration-unknown-and-a-short-stay-is-incomplete",
        incomplete("first_registration_on"),
        stay_started_on=d(2022, 1, 1),
        first_registration_on=None,
        permit_ordered_on=d(2022, 3, 1),
    ),
    case(
        "short-permit-decided-without-its-date",
        not_concerned(SHORT_PERMIT),
        permit_over_3_months=False,
        permit_ordered_on=None,
    ),
    case(
        "incomplete-before-exemptions",
        incomplete("permit_ordered_on"),
        birth_date=d(2012, 1, 1),
        permit_ordered_on=None,
    ),
    case(
        "ukrainian-a-card-temporary-protection",
        exempt(TEMPORARY_PROTECTION),
        nationality="UA",
        temporary_protection=True,
    ),
    case(
        "spouse-of-a-belgian-who-never-moved-is-obliged",
        BASE_OBLIGED,
        eu_family_member=True,
        eu_family_free_movement=False,
    ),
    case(
        "family-of-an-eu-citizen-who-moved",
        not_concerned(EU_FAMILY_MEMBER),
        eu_family_member=True,
        eu_family_free_movement=True,
    ),
    case(
        "free-movement-answer-alone-changes-nothing",
        BASE_OBLIGED,
        eu_family_free_movement=False,
    ),
    case(
        "job-found-mid-path",
        exempt(EMPLOYMENT),
        ON + timedelta(days=200),
        exemptions=frozenset({EMPLOYMENT}),
    ),
    case("kosovar-obliged", BASE_OBLIGED, nationality="XK"),
    case("stateless-obliged", BASE_OBLIGED, nationality="XS"),
    case("nationality-unknown-obliged", BASE_OBLIGED, nationality="XU"),
    case("second-nationality-french", not_concerned(EU_CITIZEN), second_nationality="FR"),
    case("second-nationality-belgian", not_concerned(BELGIAN), second_nationality="BE"),
    case("second-nationality-outside-the-eu", BASE_OBLIGED, second_nationality="TN"),
    # --- 19 May 2016 -------------------------------------------------------------------------
    case(
        "permit-2016-05-18",
        not_concerned(PERMIT_BEFORE_2016_05_19),
        first_registration_on=d(2016, 1, 4),
        permit_ordered_on=d(2016, 5, 18),
    ),
    case(
        "permit-2016-05-19",
        obliged(REGIME_2018, d(2016, 8, 19), d(2017, 11, 19)),
        first_registration_on=d(2016, 1, 4),
        permit_ordered_on=d(2016, 5, 19),
    ),
    # --- three years of stay -----------------------------------------------------------------
    case(
        "permit-exactly-3-years-after-registration",
        not_concerned(LONG_STAY),
        first_registration_on=d(2020, 3, 10),
        permit_ordered_on=d(2023, 3, 10),
    ),
    case(
        "permit-3-years-minus-a-day-after-registration",
        obliged(REGIME_2018, d(2023, 6, 9), d(2024, 9, 9)),
        first_registration_on=d(2020, 3, 10),
        permit_ordered_on=d(2023, 3, 9),
    ),
    case(
        "registered-29-feb-permit-28-feb-3-years-later",
        not_concerned(LONG_STAY),
        first_registration_on=d(2020, 2, 29),
        permit_ordered_on=d(2023, 2, 28),
    ),
    case(
        "registered-29-feb-permit-27-feb-3-years-later",
        obliged(REGIME_2018, d(2023, 5, 27), d(2024, 8, 27)),
        first_registration_on=d(2020, 2, 29),
        permit_ordered_on=d(2023, 2, 27),
    ),
    case(
        "unknown-registration-is-incomplete",
        incomplete("first_registration_on"),
        first_registration_on=None,
    ),
    # --- combinations of not-concerned reasons -----------------------------------------------
    case(
        "belgian-applicant-without-permit-date",
        not_concerned(BELGIAN, PROTECTION_APPLICANT),
        nationality="BE",
        protection_applicant=True,
        permit_ordered_on=None,
    ),
    case(
        "old-permit-and-long-stay",
        not_concerned(PERMIT_BEFORE_2016_05_19, LONG_STAY),
        first_registration_on=d(2012, 1, 1),
        permit_ordered_on=d(2016, 1, 1),
    ),
    case(
        "every-not-concerned-reason-but-belgian",
        not_concerned(
            EU_CITIZEN,
            EU_FAMILY_MEMBER,
            PROTECTION_APPLICANT,
            SHORT_PERMIT,
            PERMIT_BEFORE_2016_05_19,
            LONG_STAY,
        ),
        nationality="NO",
        eu_family_member=True,
        protection_applicant=True,
        permit_over_3_months=False,
        first_registration_on=d(2010, 5, 1),
        permit_ordered_on=d(2015, 5, 1),
    ),
    case(
        "not-concerned-hides-exemptions",
        not_concerned(EU_CITIZEN),
        nationality="FR",
        birth_date=d(2015, 1, 1),
        temporary_protection=True,
        exemptions=frozenset({MEDICAL, STUDIES}),
    ),
    case(
        "turkish-applicant-is-not-concerned-not-exempt",
        not_concerned(PROTECTION_APPLICANT),
        nationality="TR",
        protection_applicant=True,
    ),
    # --- age: 18 and 65 ----------------------------------------------------------------------
    case(
        "17-the-day-before-18th-birthday",
        exempt(UNDER_18),
        d(2023, 6, 14),
        None,
        birth_date=d(2005, 6, 15),
    ),
    case("18th-birthday", BASE_OBLIGED, d(2023, 6, 15), None, birth_date=d(2005, 6, 15)),
    case(
        "64-the-day-before-65th-birthday",
        BASE_OBLIGED,
        d(2023, 6, 14),
        None,
        birth_date=d(1958, 6, 15),
    ),
    case("65th-birthday", exempt(AGED_65_OR_OVER), d(2023, 6, 15), None, birth_date=d(1958, 6, 15)),
    case(
        "born-29-feb-on-28-feb-of-18th-year",
        exempt(UNDER_18),
        d(2022, 2, 28),
        None,
        birth_date=d(2004, 2, 29),
    ),
    case(
        "born-29-feb-on-1-mar-of-18th-year",
        BASE_OBLIGED,
        d(2022, 3, 1),
        None,
        birth_date=d(2004, 2, 29),
    ),
    case(
        "born-29-feb-on-28-feb-of-65th-year",
        BASE_OBLIGED,
        d(2025, 2, 28),
        None,
        birth_date=d(1960, 2, 29),
    ),
    case(
        "born-29-feb-on-1-mar-of-65th-year",
        exempt(AGED_65_OR_OVER),
        d(2025, 3, 1),
        None,
        birth_date=d(1960, 2, 29),
    ),
    case(
        "age-counted-on-assessment-day-not-permit-day",
        exempt(AGED_65_OR_OVER),
        d(2030, 1, 1),
        None,
        birth_date=d(1960, 1, 1),
    ),
    # --- other exemptions --------------------------------------------------------------------
    case(
        "temporary-protection",
        exempt(TEMPORARY_PROTECTION),
        nationality="UA",
        temporary_protection=True,
    ),
    case("turkey-standstill", exempt(STANDSTILL_NATIONALITY), nationality="TR"),
    case(
        "standstill-list-is-configurable",
        exempt(STANDSTILL_NATIONALITY),
        ON,
        {"standstill_nationalities": frozenset({"MA", "TR"})},
    ),
    case(
        "turkey-with-empty-standstill-list",
        BASE_OBLIGED,
        ON,
        {"standstill_nationalities": frozenset()},
        nationality="TR",
    ),
    case("medical", exempt(MEDICAL), exemptions=frozenset({MEDICAL})),
    case("belgian-diploma", exempt(BELGIAN_DIPLOMA), exemptions=frozenset({BELGIAN_DIPLOMA})),
    case("employment", exempt(EMPLOYMENT), exemptions=frozenset({EMPLOYMENT})),
    case("studies", exempt(STUDIES), exemptions=frozenset({STUDIES})),
    case("prior-attestation", exempt(PRIOR_ATTESTATION), exemptions=frozenset({PRIOR_ATTESTATION})),
    case(
        "declared-exemptions-in-fixed-order",
        exempt(BELGIAN_DIPLOMA, STUDIES, PRIOR_ATTESTATION),
        exemptions=frozenset({PRIOR_ATTESTATION, STUDIES, BELGIAN_DIPLOMA}),
    ),
    case(
        "every-exemption-reason-at-once",
        exempt(
            AGED_65_OR_OVER,
            TEMPORARY_PROTECTION,
            STANDSTILL_NATIONALITY,
            MEDICAL,
            BELGIAN_DIPLOMA,
            EMPLOYMENT,
            STUDIES,
            PRIOR_ATTESTATION,
        ),
        nationality="TR",
        birth_date=d(1950, 1, 1),
        temporary_protection=True,
        exemptions=frozenset(EXEMPTION_CODES),
    ),
    case(
        "minor-under-temporary-protection",
        exempt(UNDER_18, TEMPORARY_PROTECTION),
        nationality="UA",
        birth_date=d(2010, 4, 2),
        temporary_protection=True,
    ),
    # --- regime and deadlines ----------------------------------------------------------------
    case(
        "permit-day-before-2024-regime",
        obliged(REGIME_2018, d(2025, 3, 31), d(2026, 6, 30)),
        first_registration_on=d(2024, 11, 30),
        permit_ordered_on=d(2024, 12, 31),
    ),
    case(
        "permit-first-day-of-2024-regime",
        obliged(REGIME_2024, d(2025, 4, 1), d(2028, 1, 1)),
        first_registration_on=d(2024, 11, 30),
        permit_ordered_on=d(2025, 1, 1),
    ),
    case(
        "regime-start-is-configurable",
        obliged(REGIME_2024, d(2024, 10, 1), d(2027, 7, 1)),
        ON,
        {"regime_2024_start": d(2024, 7, 1)},
        first_registration_on=d(2024, 5, 31),
        permit_ordered_on=d(2024, 7, 1),
    ),
    case(
        "day-before-configured-regime-start",
        obliged(REGIME_2018, d(2024, 9, 30), d(2025, 12, 30)),
        ON,
        {"regime_2024_start": d(2024, 7, 1)},
        first_registration_on=d(2024, 5, 31),
        permit_ordered_on=d(2024, 6, 30),
    ),
    case(
        "31-aug-plus-18-months-common-year",
        obliged(REGIME_2018, d(2024, 11, 30), d(2026, 2, 28)),
        first_registration_on=d(2024, 7, 31),
        permit_ordered_on=d(2024, 8, 31),
    ),
    case(
        "31-aug-plus-18-months-leap-year",
        obliged(REGIME_2018, d(2022, 11, 30), d(2024, 2, 29)),
        first_registration_on=d(2022, 7, 31),
        permit_ordered_on=d(2022, 8, 31),
    ),
    case(
        "30-nov-plus-3-months-leap-year",
        obliged(REGIME_2018, d(2024, 2, 29), d(2025, 5, 30)),
        first_registration_on=d(2023, 11, 30),
        permit_ordered_on=d(2023, 11, 30),
    ),
    case(
        "29-feb-plus-36-months-2024-regime",
        obliged(REGIME_2024, d(2028, 5, 29), d(2031, 2, 28)),
        first_registration_on=d(2028, 2, 29),
        permit_ordered_on=d(2028, 2, 29),
    ),
    case(
        "31-dec-registration-crosses-year",
        obliged(REGIME_2024, d(2026, 3, 31), d(2028, 12, 31)),
        first_registration_on=d(2025, 12, 31),
        permit_ordered_on=d(2025, 12, 31),
    ),
]


@pytest.mark.parametrize(("facts", "on", "options", "expected"), CASES)
def test_assessment_table(
    facts: PersonFacts, on: date, options: dict[str, Any], expected: Assessment
) -> None:
    assert assess_obligation(facts, on, **options) == expected


def test_table_covers_every_reason_and_status() -> None:
    seen_reasons = {code for param in CASES for code in param.values[3].reasons}
    seen_statuses = {param.values[3].status for param in CASES}
    assert seen_reasons == set(NOT_CONCERNED_REASONS) | set(EXEMPTION_REASONS)
    assert seen_statuses == set(ASSESSMENT_STATUSES)
    assert {param.values[3].regime for param in CASES} >= set(REGIMES)
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"nationality": "ma"}, id="lower-case"),
        pytest.param({"nationality": "Ma"}, id="mixed-case"),
        pytest.param({"nationality": "M"}, id="one-letter"),
        pytest.param({"nationality": "MAR"}, id="alpha-3"),
        pytest.param({"nationality": ""}, id="empty"),
        pytest.param({"nationality": " MA"}, id="padded"),
        pytest.param({"nationality": "M1"}, id="digit"),
        pytest.param({"nationality": "ÉS"}, id="non-ascii"),
        pytest.param({"nationality": "XX"}, id="unassigned-code"),
        pytest.param({"nationality": "EU"}, id="not-a-country"),
        pytest.param({"second_nationality": "fr"}, id="second-nationality-lower-case"),
        pytest.param({"nationality": None}, id="none"),
        pytest.param({"exemptions": frozenset({"pregnancy"})}, id="unknown-exemption"),
        pytest.param({"exemptions": frozenset({"Medical"})}, id="exemption-wrong-case"),
        pytest.param(
            {"exemptions": frozenset({MEDICAL, "under_18"})}, id="derived-reason-not-declarable"
        ),
        pytest.param(
            {"nationality": "BE", "exemptions": frozenset({"other"})},
            id="checked-even-when-not-concerned",
        ),
    ],
)
def test_malformed_facts_raise_value_error(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        assess_obligation(replace(BASE, **changes), ON)


@pytest.mark.parametrize("standstill", [frozenset({"tr"}), frozenset({"TUR"})])
def test_malformed_standstill_nationality_raises_value_error(standstill: frozenset[str]) -> None:
    with pytest.raises(ValueError):
        assess_obligation(BASE, ON, standstill_nationalities=standstill)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (d(2024, 8, 31), 18, d(2026, 2, 28)),
        (d(2022, 8, 31), 18, d(2024, 2, 29)),
        (d(2024, 11, 30), 3, d(2025, 2, 28)),
        (d(2023, 11, 30), 3, d(2024, 2, 29)),
        (d(2024, 1, 31), 1, d(2024, 2, 29)),
        (d(2023, 1, 31), 1, d(2023, 2, 28)),
        (d(2024, 3, 31), 1, d(2024, 4, 30)),
        (d(2024, 12, 15), 1, d(2025, 1, 15)),
        (d(2024, 2, 29), 12, d(2025, 2, 28)),
        (d(2024, 2, 29), 48, d(2028, 2, 29)),
        (d(2024, 5, 19), 0, d(2024, 5, 19)),
        (d(2024, 3, 31), -1, d(2024, 2, 29)),
        (d(2025, 1, 15), -1, d(2024, 12, 15)),
        (d(2025, 1, 1), 36, d(2028, 1, 1)),
    ],
)
def test_add_months_table(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_months_out_of_range() -> None:
    with pytest.raises(OverflowError):
        add_months(date.max, 1)
    with pytest.raises(OverflowError):
        add_months(date.min, -1)


def test_reference_data() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert "GR" in EU_MEMBER_STATES
    assert "EL" not in EU_MEMBER_STATES
    assert "GB" not in EU_MEMBER_STATES
    assert EU_MEMBER_STATES.isdisjoint(EEA_AND_SWISS_STATES)
    assert set(EU_MEMBER_STATES | EEA_AND_SWISS_STATES) <= set(COUNTRIES)
    assert EXEMPTION_CODES == (MEDICAL, BELGIAN_DIPLOMA, EMPLOYMENT, STUDIES, PRIOR_ATTESTATION)
    assert set(REGIME_ATTESTATION_MONTHS) == set(REGIMES)


def test_labels_cover_every_code_in_french_with_legal_basis() -> None:
    assert set(REASON_LABELS) == set(NOT_CONCERNED_REASONS) | set(EXEMPTION_REASONS)
    assert len(NOT_CONCERNED_REASONS + EXEMPTION_REASONS) == len(REASON_LABELS)
    for code, label in REASON_LABELS.items():
        assert label.strip() == label and label.endswith("."), code
        if code in NOT_CONCERNED_REASONS:
            expected = (LEGAL_REFERENCES["definition"], LEGAL_REFERENCES["obligation"])
        elif code == TEMPORARY_PROTECTION:
            expected = (LEGAL_REFERENCES["temporary_protection"],)
        else:
            expected = (LEGAL_REFERENCES["exemptions"],)
        assert any(reference in label for reference in expected), code
    assert set(STATUS_LABELS) == set(ASSESSMENT_STATUSES)
    assert all(STATUS_LABELS.values())


def test_age_on() -> None:
    assert age_on(d(2000, 1, 1), d(2017, 12, 31)) == 17
    assert age_on(d(2000, 1, 1), d(2018, 1, 1)) == 18
    assert age_on(d(2004, 2, 29), d(2022, 2, 28)) == 17
    assert age_on(d(2004, 2, 29), d(2022, 3, 1)) == 18
    assert age_on(d(2004, 2, 29), d(2024, 2, 29)) == 20
    assert age_on(d(2020, 1, 1), d(2019, 1, 1)) == -1


# --- Properties ------------------------------------------------------------------------------

PROPERTIES = settings(database=None, deadline=None, max_examples=300)

NATIONALITIES = st.one_of(
    st.sampled_from(["BE", "FR", "GR", "NO", "CH", "TR", "MA", "UA", "SY", "CD", "GB", "US"]),
    st.sampled_from(sorted(COUNTRIES)),
)
DAYS = st.dates(min_value=d(2010, 1, 1), max_value=d(2032, 12, 31))
BIRTH_DAYS = st.dates(min_value=d(1925, 1, 1), max_value=d(2025, 12, 31))
# Far enough from year 1 and 9999 for +/- 100 years of months.
ANY_DAYS = st.dates(min_value=d(200, 1, 1), max_value=d(9000, 12, 31))


@st.composite
def person_facts(draw: st.DrawFn) -> PersonFacts:
    """Any valid facts, biased towards people who are concerned by the path."""
    concerned_bias = draw(st.booleans())
    registration = draw(st.none() | DAYS)
    if concerned_bias and registration is not None:
        # A long permit ordered within three years of registering.
        permit: date | None = registration + timedelta(days=draw(st.integers(0, 3 * 365 - 1)))
    else:
        permit = draw(st.none() | DAYS)
    return PersonFacts(
        birth_date=draw(BIRTH_DAYS),
        nationality=draw(NATIONALITIES),
        first_registration_on=registration,
        permit_ordered_on=permit,
        permit_over_3_months=concerned_bias or draw(st.booleans()),
        eu_family_member=not concerned_bias and draw(st.booleans()),
        protection_applicant=not concerned_bias and draw(st.booleans()),
        temporary_protection=draw(st.booleans()),
        exemptions=draw(st.frozensets(st.sampled_from(EXEMPTION_CODES))),
        stay_started_on=draw(st.none() | DAYS),
        eu_family_free_movement=draw(st.none() | st.booleans()),
    )


OPTIONS = st.fixed_dictionaries(
    {
        "regime_2024_start": st.dates(min_value=d(2016, 1, 1), max_value=d(2030, 12, 31)),
        "standstill_nationalities": st.frozensets(
            st.sampled_from(["TR", "MA", "DZ", "TN", "UA"]), max_size=3
        ),
    }
)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def is_months_after(later: date, earlier: date, months: int) -> bool:
    """``later`` is exactly ``months`` calendar months after ``earlier``, day clamped."""
    last_day = calendar.monthrange(later.year, later.month)[1]
    return month_index(later) - month_index(earlier) == months and later.day == min(
        earlier.day, last_day
    )


def reference_age(birth: date, on: date) -> int:
    """Age by counting birthdays; a 29 February birthday falls on 1 March in common years."""

    def birthday(year: int) -> date:
        if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
            return date(year, 3, 1)
        return date(year, birth.month, birth.day)

    return sum(1 for year in range(birth.year + 1, on.year + 1) if birthday(year) <= on)


@PROPERTIES
@given(person_facts(), DAYS, OPTIONS)
def test_outcome_shape(facts: PersonFacts, on: date, options: dict[str, Any]) -> None:
    result = assess_obligation(facts, on, **options)
    assert result.status in ASSESSMENT_STATUSES
    assert (result.reasons == ()) == (result.status in (OBLIGED, INCOMPLETE))
    assert (result.missing != ()) == (result.status == INCOMPLETE)
    assert set(result.missing) <= set(MISSING_LABELS)
    assert len(set(result.reasons)) == len(result.reasons)
    if result.status == OBLIGED:
        assert result.regime in (REGIME_2018, REGIME_2024)
        assert result.attestation_deadline is not None
        assert result.presentation_deadline is not None
    else:
        assert result.regime is None
        assert result.presentation_deadline is None
        assert result.attestation_deadline is None


@PROPERTIES
@given(person_facts(), DAYS, OPTIONS)
def test_reasons_never_mix_and_keep_their_order(
    facts: PersonFacts, on: date, options: dict[str, Any]
) -> None:
    result = assess_obligation(facts, on, **options)
    if result.status == NOT_CONCERNED:
        family = NOT_CONCERNED_REASONS
    elif result.status == EXEMPT:
        family = EXEMPTION_REASONS
    else:
        family = ()
    assert result.reasons == tuple(code for code in family if code in result.reasons)
    assert not (set(result.reasons) & set(NOT_CONCERNED_REASONS)) or not (
        set(result.reasons) & set(EXEMPTION_REASONS)
    )
    assert set(result.reasons) <= set(REASON_LABELS)


@PROPERTIES
@given(person_facts(), DAYS, OPTIONS)
def test_deadlines_are_exact_calendar_months(
    facts: PersonFacts, on: date, options: dict[str, Any]
) -> None:
    result = assess_obligation(facts, on, **options)
    if result.status != OBLIGED:
        return
    permit = facts.permit_ordered_on
    assert permit is not None and result.attestation_deadline is not None
    months = 36 if permit >= options["regime_2024_start"] else 18
    assert result.regime == (REGIME_2024 if months == 36 else REGIME_2018)
    assert result.attestation_deadline > permit
    assert is_months_after(result.attestation_deadline, permit, months)
    registration = facts.first_registration_on
    assert registration is not None and result.presentation_deadline is not None
    assert is_months_after(result.presentation_deadline, max(registration, permit), 3)


@PROPERTIES
@given(person_facts(), DAYS, st.randoms(use_true_random=False))
def test_independent_of_exemption_iteration_order(
    facts: PersonFacts, on: date, random: Any
) -> None:
    class OrderedFrozenset(frozenset[str]):
        """A frozenset that iterates in a chosen order."""

        order: list[str]

        def __iter__(self) -> Iterator[str]:
            return iter(self.order)

    codes = list(facts.exemptions)
    random.shuffle(codes)
    shuffled = OrderedFrozenset(codes)
    shuffled.order = codes
    reversed_ = OrderedFrozenset(codes)
    reversed_.order = codes[::-1]
    expected = assess_obligation(facts, on)
    assert assess_obligation(replace(facts, exemptions=shuffled), on) == expected
    assert assess_obligation(replace(facts, exemptions=reversed_), on) == expected


@PROPERTIES
@given(person_facts(), DAYS)
def test_age_exemptions_follow_full_years(facts: PersonFacts, on: date) -> None:
    result = assess_obligation(facts, on)
    age = age_on(facts.birth_date, on)
    if on >= facts.birth_date:
        assert age == reference_age(facts.birth_date, on)
    else:
        assert age < 0
    if result.status not in (NOT_CONCERNED, INCOMPLETE):
        assert (UNDER_18 in result.reasons) == (age < 18)
        assert (AGED_65_OR_OVER in result.reasons) == (age >= 65)


@PROPERTIES
@given(person_facts(), DAYS, st.sampled_from(EXEMPTION_CODES))
def test_declaring_an_exemption_exempts_an_obliged_person(
    facts: PersonFacts, on: date, code: str
) -> None:
    before = assess_obligation(facts, on)
    after = assess_obligation(replace(facts, exemptions=facts.exemptions | {code}), on)
    if before.status == OBLIGED:
        assert after == exempt(code)
    elif before.status in (NOT_CONCERNED, INCOMPLETE):
        assert after == before
    else:
        assert after.status == EXEMPT and code in after.reasons


@PROPERTIES
@given(person_facts(), DAYS)
def test_family_of_eu_citizen_is_never_concerned(facts: PersonFacts, on: date) -> None:
    """Unless the EU citizen never used free movement (a Belgian who never left)."""
    moved = replace(facts, eu_family_member=True, eu_family_free_movement=True)
    result = assess_obligation(moved, on)
    assert result.status == NOT_CONCERNED
    assert EU_FAMILY_MEMBER in result.reasons
    unknown = assess_obligation(replace(moved, eu_family_free_movement=None), on)
    assert unknown == result
    never_moved = assess_obligation(replace(moved, eu_family_free_movement=False), on)
    assert EU_FAMILY_MEMBER not in never_moved.reasons
    assert never_moved == assess_obligation(replace(moved, eu_family_member=False), on)


@PROPERTIES
@given(person_facts(), DAYS)
def test_a_missing_date_never_makes_a_person_not_concerned(facts: PersonFacts, on: date) -> None:
    """Forgetting a date can only make the outcome « à compléter », never « pas concerné »
    when the known facts would not say so."""
    complete = assess_obligation(facts, on)
    for name in ("first_registration_on", "permit_ordered_on"):
        partial = assess_obligation(replace(facts, **{name: None}), on)
        if partial.status == NOT_CONCERNED:
            assert complete.status == NOT_CONCERNED
            assert set(partial.reasons) <= set(complete.reasons)


@PROPERTIES
@given(ANY_DAYS, ANY_DAYS, st.integers(-1200, 1200))
def test_add_months_is_monotonic_in_the_date(a: date, b: date, months: int) -> None:
    earlier, later = sorted((a, b))
    assert add_months(earlier, months) <= add_months(later, months)


@PROPERTIES
@given(ANY_DAYS, st.integers(-1200, 1200), st.integers(-1200, 1200))
def test_add_months_is_monotonic_in_the_months(day: date, m: int, n: int) -> None:
    fewer, more = sorted((m, n))
    assert add_months(day, fewer) <= add_months(day, more)


@PROPERTIES
@given(ANY_DAYS, st.integers(-1200, 1200))
def test_add_months_clamps_the_day(day: date, months: int) -> None:
    result = add_months(day, months)
    assert is_months_after(result, day, months)
    if day.day <= 28:
        assert result.day == day.day
        assert add_months(result, -months) == day


@PROPERTIES
@given(ANY_DAYS, st.integers(-80, 80))
def test_add_months_by_whole_years_keeps_the_month(day: date, years: int) -> None:
    result = add_months(day, 12 * years)
    assert result.month == day.month
    assert result.year == day.year + years
    if (day.month, day.day) != (2, 29):
        assert result.day == day.day
    else:
        assert result.day == (29 if calendar.isleap(result.year) else 28)


@PROPERTIES
@given(ANY_DAYS)
def test_add_zero_months_is_identity(day: date) -> None:
    assert add_months(day, 0) == day
