"""Who must follow the Walloon integration path, and by when: the obligation rules.

Pure Python on purpose: no ORM, no settings, no clock. Everything the rules depend on is an
argument (the facts about the person, the day of the assessment, the start of the 2024 regime,
the standstill nationalities), so the same inputs always give the same :class:`Assessment`
and the rules can be tested from a table of cases.

The contract (names, fields, defaults, reason codes and their order) is fixed by issue 3;
other parts of the system rely on it.

Legal sources: Code wallon de l'Action sociale et de la Santé (CWASS), art. 150 to 154, and
its regulatory part (CRWASS, art. 236 and following); the order of the Walloon Government of
29 September 2022 for people under temporary protection; the decree of 14 March 2024 for the
2024 regime. See ``docs/domain.md``.

Conventions worth knowing:

* **Calendar months** (:func:`add_months`): the day of the month is kept and clamped to the
  last day of the target month, so 31 August + 18 months is 28 (or 29) February.
* **Age** is counted in full years on the day of the assessment. Someone born on
  29 February has their birthday on **1 March** in common years (Belgian civil practice):
  they turn 18 on 1 March, not on 28 February.
* **Three years of legal stay** (``long_stay``): the permit is ordered on or after
  ``add_months(first_registration_on, 36)``, i.e. on or after the third anniversary of the
  first registration (28 February when that registration was on a 29 February).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from django_countries.data import COUNTRIES

__all__ = [
    "AGED_65_OR_OVER",
    "ASSESSMENT_STATUSES",
    "BELGIAN",
    "BELGIAN_DIPLOMA",
    "DEFAULT_REGIME_2024_START",
    "DEFAULT_STANDSTILL_NATIONALITIES",
    "EEA_AND_SWISS_STATES",
    "EMPLOYMENT",
    "EU_CITIZEN",
    "EU_FAMILY_MEMBER",
    "EU_MEMBER_STATES",
    "EXEMPT",
    "EXEMPTION_CODES",
    "EXEMPTION_REASONS",
    "LONG_STAY",
    "MEDICAL",
    "NOT_CONCERNED",
    "NOT_CONCERNED_REASONS",
    "OBLIGATION_START",
    "OBLIGED",
    "PERMIT_BEFORE_2016_05_19",
    "PRESENTATION_MONTHS",
    "PRIOR_ATTESTATION",
    "PROTECTION_APPLICANT",
    "REASON_LABELS",
    "REGIMES",
    "REGIME_2018",
    "REGIME_2024",
    "REGIME_ATTESTATION_MONTHS",
    "REGIME_LABELS",
    "SHORT_PERMIT",
    "STANDSTILL_NATIONALITY",
    "STATUS_LABELS",
    "STUDIES",
    "TEMPORARY_PROTECTION",
    "UNDER_18",
    "Assessment",
    "PersonFacts",
    "add_months",
    "age_on",
    "assess_obligation",
    "is_iso_country_code",
]

# --- Statuses -------------------------------------------------------------------------------

OBLIGED: Final = "obliged"
EXEMPT: Final = "exempt"
NOT_CONCERNED: Final = "not_concerned"

#: Every status :func:`assess_obligation` can return.
ASSESSMENT_STATUSES: Final[tuple[str, ...]] = (OBLIGED, EXEMPT, NOT_CONCERNED)

STATUS_LABELS: Final[dict[str, str]] = {
    OBLIGED: "Obligé·e de suivre le parcours d'intégration",
    EXEMPT: "Dispensé·e du parcours d'intégration (peut le suivre volontairement)",
    NOT_CONCERNED: "Pas concerné·e par l'obligation (peut suivre le parcours volontairement)",
}

# --- Regimes --------------------------------------------------------------------------------

REGIME_2018: Final = "2018"
REGIME_2024: Final = "2024"

#: Every regime an obliged person can fall under.
REGIMES: Final[tuple[str, ...]] = (REGIME_2018, REGIME_2024)

#: Months between ordering the permit and the attestation deadline, per regime.
REGIME_ATTESTATION_MONTHS: Final[dict[str, int]] = {REGIME_2018: 18, REGIME_2024: 36}

REGIME_LABELS: Final[dict[str, str]] = {
    REGIME_2018: "Régime 2018 : attestation à obtenir dans les 18 mois de la commande du titre "
    "de séjour",
    REGIME_2024: "Régime 2024 (décret du 14 mars 2024) : attestation à obtenir dans les 3 ans "
    "de la commande du titre de séjour",
}

#: Months between the first registration in a commune and the presentation deadline.
PRESENTATION_MONTHS: Final = 3

#: The obligation applies to permits ordered on or after this day.
OBLIGATION_START: Final = date(2016, 5, 19)

#: Default first day of the 2024 regime (configurable: pass ``regime_2024_start``).
DEFAULT_REGIME_2024_START: Final = date(2025, 1, 1)

#: Default nationalities covered by an EU association standstill clause (configurable).
DEFAULT_STANDSTILL_NATIONALITIES: Final[frozenset[str]] = frozenset({"TR"})

# --- Reason codes: not concerned (in the order they are reported) ---------------------------

BELGIAN: Final = "belgian"
EU_CITIZEN: Final = "eu_citizen"
EU_FAMILY_MEMBER: Final = "eu_family_member"
PROTECTION_APPLICANT: Final = "protection_applicant"
SHORT_PERMIT: Final = "short_permit"
PERMIT_BEFORE_2016_05_19: Final = "permit_before_2016_05_19"
LONG_STAY: Final = "long_stay"

NOT_CONCERNED_REASONS: Final[tuple[str, ...]] = (
    BELGIAN,
    EU_CITIZEN,
    EU_FAMILY_MEMBER,
    PROTECTION_APPLICANT,
    SHORT_PERMIT,
    PERMIT_BEFORE_2016_05_19,
    LONG_STAY,
)

# --- Reason codes: exempt (in the order they are reported) ----------------------------------

UNDER_18: Final = "under_18"
AGED_65_OR_OVER: Final = "65_or_over"
TEMPORARY_PROTECTION: Final = "temporary_protection"
STANDSTILL_NATIONALITY: Final = "standstill_nationality"
MEDICAL: Final = "medical"
BELGIAN_DIPLOMA: Final = "belgian_diploma"
EMPLOYMENT: Final = "employment"
STUDIES: Final = "studies"
PRIOR_ATTESTATION: Final = "prior_attestation"

#: The exemptions a caseworker declares (with proof) in ``PersonFacts.exemptions``,
#: in the order they are reported.
EXEMPTION_CODES: Final[tuple[str, ...]] = (
    MEDICAL,
    BELGIAN_DIPLOMA,
    EMPLOYMENT,
    STUDIES,
    PRIOR_ATTESTATION,
)

#: Every exemption reason, derived or declared, in the order they are reported.
EXEMPTION_REASONS: Final[tuple[str, ...]] = (
    UNDER_18,
    AGED_65_OR_OVER,
    TEMPORARY_PROTECTION,
    STANDSTILL_NATIONALITY,
    *EXEMPTION_CODES,
)

_ART_152: Final = "CWASS, art. 152"
_ART_152_2: Final = "CWASS, art. 152, §2"

#: Every reason code, explained in plain French with its legal basis.
REASON_LABELS: Final[dict[str, str]] = {
    BELGIAN: (
        f"Nationalité belge : le parcours ne concerne que les personnes étrangères ({_ART_152})."
    ),
    EU_CITIZEN: (
        "Citoyen·ne d'un État membre de l'Union européenne, de l'Espace économique européen "
        "(Islande, Liechtenstein, Norvège) ou de la Suisse : pas concerné·e par l'obligation "
        f"({_ART_152})."
    ),
    EU_FAMILY_MEMBER: (
        "Membre de la famille d'un·e citoyen·ne de l'Union européenne, de l'Espace économique "
        f"européen ou de la Suisse : pas concerné·e par l'obligation ({_ART_152})."
    ),
    PROTECTION_APPLICANT: (
        "Demandeur·euse de protection internationale : pas concerné·e par l'obligation "
        f"({_ART_152})."
    ),
    SHORT_PERMIT: (
        "Pas de titre de séjour de plus de trois mois commandé : l'obligation ne vise que les "
        f"titulaires d'un titre de séjour de plus de trois mois ({_ART_152})."
    ),
    PERMIT_BEFORE_2016_05_19: (
        "Titre de séjour commandé avant le 19 mai 2016 : l'obligation ne s'applique qu'aux "
        f"titres commandés à partir de cette date ({_ART_152})."
    ),
    LONG_STAY: (
        "Titre de séjour commandé trois ans ou plus après la première inscription dans une "
        "commune : la personne n'est plus primo-arrivante (séjour légal de moins de trois ans) "
        f"({_ART_152})."
    ),
    UNDER_18: f"Moins de 18 ans : dispense ({_ART_152_2}).",
    AGED_65_OR_OVER: f"65 ans ou plus : dispense ({_ART_152_2}).",
    TEMPORARY_PROTECTION: (
        "Bénéficiaire de la protection temporaire (personnes ayant fui la guerre en Ukraine) "
        "ou membre de sa famille à charge : plus obligé·e depuis l'arrêté du Gouvernement "
        "wallon du 29 septembre 2022, le parcours reste encouragé sur une base volontaire."
    ),
    STANDSTILL_NATIONALITY: (
        "Ressortissant·e d'un État dont l'accord d'association avec l'Union européenne "
        f"contient une clause de « standstill » (Turquie) : dispense ({_ART_152_2})."
    ),
    MEDICAL: (
        "Certificat médical attestant l'impossibilité de suivre le parcours : dispense "
        f"({_ART_152_2})."
    ),
    BELGIAN_DIPLOMA: (
        f"Certificat ou diplôme délivré par l'enseignement belge : dispense ({_ART_152_2})."
    ),
    EMPLOYMENT: (
        "Travail au moins à mi-temps pendant une période ininterrompue de plus de trois mois : "
        f"dispense ({_ART_152_2})."
    ),
    STUDIES: (
        "Étudiant·e régulier·ère ou d'échange, boursier·ère de doctorat ou enseignant·e dans un "
        "établissement d'enseignement supérieur reconnu de la Fédération Wallonie-Bruxelles : "
        f"dispense ({_ART_152_2})."
    ),
    PRIOR_ATTESTATION: (
        "Déjà titulaire d'une attestation de fréquentation du parcours d'intégration, ou d'une "
        "attestation similaire d'une autre Communauté ou Région : dispense "
        f"({_ART_152_2})."
    ),
}

# --- Countries ------------------------------------------------------------------------------

#: The 27 member states of the European Union (ISO 3166-1 alpha-2: Greece is "GR").
EU_MEMBER_STATES: Final[frozenset[str]] = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT",
        "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "HU",
    }
)  # fmt: skip

#: The EEA states outside the EU (Iceland, Liechtenstein, Norway) and Switzerland.
EEA_AND_SWISS_STATES: Final[frozenset[str]] = frozenset({"IS", "LI", "NO", "CH"})

_BELGIUM: Final = "BE"
_ISO_COUNTRY_CODES: Final[frozenset[str]] = frozenset(COUNTRIES)


# --- The facts and the outcome --------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """What the rules need to know about a person.

    Attributes:
        birth_date: date of birth.
        nationality: ISO 3166-1 alpha-2 code, upper case ("MA", "BE", "UA").
        first_registration_on: first registration in a Belgian commune, if known.
        permit_ordered_on: day the residence permit of more than 3 months was ordered at
            the commune, if any.
        permit_over_3_months: whether that permit is valid for more than 3 months.
        eu_family_member: family member of an EU, EEA or Swiss citizen.
        protection_applicant: applicant for international protection.
        temporary_protection: under temporary protection (or dependent family of such a
            person).
        exemptions: proven exemptions, codes from :data:`EXEMPTION_CODES`.
    """

    birth_date: date
    nationality: str
    first_registration_on: date | None
    permit_ordered_on: date | None
    permit_over_3_months: bool = True
    eu_family_member: bool = False
    protection_applicant: bool = False
    temporary_protection: bool = False
    exemptions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Assessment:
    """The outcome of :func:`assess_obligation`.

    Attributes:
        status: one of :data:`ASSESSMENT_STATUSES` ("obliged", "exempt", "not_concerned").
        reasons: reason codes (keys of :data:`REASON_LABELS`) in their fixed order; empty
            when obliged.
        regime: "2018" or "2024" when obliged, else None.
        presentation_deadline: last day to present at the CRI (first registration +
            3 months) when obliged and the first registration is known, else None.
        attestation_deadline: last day to obtain the attestation (permit ordered + 18 or
            36 months depending on the regime) when obliged, else None.
    """

    status: str
    reasons: tuple[str, ...]
    regime: str | None
    presentation_deadline: date | None
    attestation_deadline: date | None


# --- Date arithmetic ------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Return ``d`` moved by ``months`` calendar months (negative moves back).

    The day of the month is kept, clamped to the last day of the target month:
    ``add_months(date(2024, 8, 31), 18) == date(2026, 2, 28)`` and
    ``add_months(date(2022, 8, 31), 18) == date(2024, 2, 29)``.

    Raises:
        OverflowError: if the result falls outside the years :class:`date` supports.
    """
    month_index = d.year * 12 + (d.month - 1) + months
    year, month_zero = divmod(month_index, 12)
    if not date.min.year <= year <= date.max.year:
        raise OverflowError(f"{d.isoformat()} + {months} months is out of range")
    month = month_zero + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def age_on(birth_date: date, on: date) -> int:
    """Age in full years on ``on`` (negative if ``on`` is before the birth date).

    A person born on 29 February turns a year older on 1 March in common years (Belgian
    civil practice), and on 29 February in leap years.
    """
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


# --- Validation -----------------------------------------------------------------------------


def is_iso_country_code(code: object) -> bool:
    """Whether ``code`` is an assigned ISO 3166-1 alpha-2 code, in upper case ASCII."""
    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.isalpha()
        and code.isupper()
        and code in _ISO_COUNTRY_CODES
    )


def _check_country_code(code: object, what: str) -> None:
    if not is_iso_country_code(code):
        raise ValueError(f"{what} must be an ISO 3166-1 alpha-2 code in upper case, got {code!r}")


def _check_exemptions(exemptions: Iterable[str]) -> None:
    unknown = sorted(repr(code) for code in exemptions if code not in EXEMPTION_CODES)
    if unknown:
        raise ValueError(
            f"unknown exemption code(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(EXEMPTION_CODES)}"
        )


# --- The rules ------------------------------------------------------------------------------


def _not_concerned_reasons(facts: PersonFacts) -> tuple[str, ...]:
    permit = facts.permit_ordered_on
    registration = facts.first_registration_on
    applies = {
        BELGIAN: facts.nationality == _BELGIUM,
        EU_CITIZEN: (
            facts.nationality != _BELGIUM
            and facts.nationality in EU_MEMBER_STATES | EEA_AND_SWISS_STATES
        ),
        EU_FAMILY_MEMBER: facts.eu_family_member,
        PROTECTION_APPLICANT: facts.protection_applicant,
        SHORT_PERMIT: permit is None or not facts.permit_over_3_months,
        PERMIT_BEFORE_2016_05_19: permit is not None and permit < OBLIGATION_START,
        LONG_STAY: (
            permit is not None
            and registration is not None
            and permit >= add_months(registration, 36)
        ),
    }
    return tuple(code for code in NOT_CONCERNED_REASONS if applies[code])


def _exemption_reasons(
    facts: PersonFacts, on: date, standstill_nationalities: frozenset[str]
) -> tuple[str, ...]:
    age = age_on(facts.birth_date, on)
    applies = {
        UNDER_18: age < 18,
        AGED_65_OR_OVER: age >= 65,
        TEMPORARY_PROTECTION: facts.temporary_protection,
        STANDSTILL_NATIONALITY: facts.nationality in standstill_nationalities,
        **{code: code in facts.exemptions for code in EXEMPTION_CODES},
    }
    return tuple(code for code in EXEMPTION_REASONS if applies[code])


def assess_obligation(
    facts: PersonFacts,
    on: date,
    *,
    regime_2024_start: date = DEFAULT_REGIME_2024_START,
    standstill_nationalities: frozenset[str] = DEFAULT_STANDSTILL_NATIONALITIES,
) -> Assessment:
    """Say whether the person must follow the integration path, why not, and by when.

    1. Not concerned when any of :data:`NOT_CONCERNED_REASONS` applies (all that apply are
       reported, in that order, and nothing else).
    2. Otherwise exempt when any of :data:`EXEMPTION_REASONS` applies (age in full years on
       ``on``; declared exemptions in the order of :data:`EXEMPTION_CODES`, whatever the
       iteration order of the set).
    3. Otherwise obliged, under the 2024 regime when the permit was ordered on or after
       ``regime_2024_start`` (else 2018), with the presentation deadline (first registration
       + 3 months, None when unknown) and the attestation deadline (permit ordered + 18 or
       36 months).

    Args:
        facts: what is known about the person.
        on: the day of the assessment (used for the age only).
        regime_2024_start: first day of the 2024 regime (a setting).
        standstill_nationalities: nationalities exempted by an EU association standstill
            clause (a setting).

    Raises:
        ValueError: the nationality (or a standstill nationality) is not an upper-case
            ISO 3166-1 alpha-2 code, or an exemption code is unknown.
    """
    _check_country_code(facts.nationality, "nationality")
    for code in standstill_nationalities:
        _check_country_code(code, "standstill nationality")
    _check_exemptions(facts.exemptions)

    not_concerned = _not_concerned_reasons(facts)
    if not_concerned:
        return Assessment(NOT_CONCERNED, not_concerned, None, None, None)

    exempt = _exemption_reasons(facts, on, standstill_nationalities)
    if exempt:
        return Assessment(EXEMPT, exempt, None, None, None)

    permit = facts.permit_ordered_on
    # No not-concerned reason applied, so a permit of more than 3 months was ordered.
    assert permit is not None
    regime = REGIME_2024 if permit >= regime_2024_start else REGIME_2018
    registration = facts.first_registration_on
    return Assessment(
        status=OBLIGED,
        reasons=(),
        regime=regime,
        presentation_deadline=(
            None if registration is None else add_months(registration, PRESENTATION_MONTHS)
        ),
        attestation_deadline=add_months(permit, REGIME_ATTESTATION_MONTHS[regime]),
    )
