"""Who must follow the Walloon integration path, and by when: the obligation rules.

Pure Python on purpose: no ORM, no settings, no clock. Everything the rules depend on is an
argument (the facts about the person, the day of the assessment, the start of the 2024 regime,
the standstill nationalities), so the same inputs always give the same :class:`Assessment`
and the rules can be tested from a table of cases.

The contract (names, fields, defaults, reason codes and their order) is fixed by issue 3 and
grown by issue 11 (new optional facts, the « incomplete » status); other parts of the system
rely on it.

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
* **Three years of legal stay** (``long_stay``): on the day the person becomes subject in
  Wallonia (the later of the first registration in the French-language region and the
  first permit order), ``add_months(stay_started_on or first_registration_on, 36)`` has
  been reached, i.e. the third anniversary of the start of the stay (28 February when it
  started on a 29 February).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
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
    "INCOMPLETE",
    "KOSOVO",
    "LEGAL_REFERENCES",
    "LONG_STAY",
    "LONG_STAY_MONTHS",
    "MEDICAL",
    "MISSING_LABELS",
    "NOT_CONCERNED",
    "NOT_CONCERNED_REASONS",
    "OBLIGATION_START",
    "OBLIGED",
    "OTHER_NATIONALITIES",
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
    "STATELESS",
    "STATUS_LABELS",
    "STUDIES",
    "TEMPORARY_PROTECTION",
    "UNDER_18",
    "UNKNOWN_NATIONALITY",
    "Assessment",
    "PersonFacts",
    "add_months",
    "age_on",
    "assess_obligation",
    "becomes_obliged_on",
    "is_iso_country_code",
    "obligation_grounds",
    "obliged_when_exemptions_end",
    "subject_on",
]

# --- Statuses -------------------------------------------------------------------------------

OBLIGED: Final = "obliged"
EXEMPT: Final = "exempt"
NOT_CONCERNED: Final = "not_concerned"
#: A fact the rules need is missing (``Assessment.missing`` says which): never decided as
#: « not concerned » for want of a date.
INCOMPLETE: Final = "incomplete"

#: Every status :func:`assess_obligation` can return.
ASSESSMENT_STATUSES: Final[tuple[str, ...]] = (OBLIGED, EXEMPT, NOT_CONCERNED, INCOMPLETE)

STATUS_LABELS: Final[dict[str, str]] = {
    OBLIGED: "Obligé·e de suivre le parcours d'intégration",
    EXEMPT: "Dispensé·e du parcours d'intégration (peut le suivre volontairement)",
    NOT_CONCERNED: "Pas concerné·e par l'obligation (peut suivre le parcours volontairement)",
    INCOMPLETE: "À compléter : il manque une donnée pour décider de l'obligation",
}

#: The facts the rules may find missing, as the file names them (``Assessment.missing``).
MISSING_LABELS: Final[dict[str, str]] = {
    "first_registration_on": (
        "date de la première inscription dans une commune de la région de langue française"
    ),
    "permit_ordered_on": "date de commande du premier titre de séjour de plus de trois mois",
}

# --- Regimes --------------------------------------------------------------------------------

REGIME_2018: Final = "2018"
REGIME_2024: Final = "2024"

#: Every regime an obliged person can fall under.
REGIMES: Final[tuple[str, ...]] = (REGIME_2018, REGIME_2024)

#: Months between ordering the permit and the attestation deadline, per regime.
REGIME_ATTESTATION_MONTHS: Final[dict[str, int]] = {REGIME_2018: 18, REGIME_2024: 36}

REGIME_LABELS: Final[dict[str, str]] = {
    REGIME_2018: "Régime 18 mois : attestation à obtenir dans les 18 mois de la commande du "
    "premier titre de séjour",
    REGIME_2024: "Régime 3 ans (décret du 14 mars 2024) : attestation à obtenir dans les 3 ans "
    "de la commande du premier titre de séjour",
}

#: Months between becoming subject in Wallonia (the later of the first registration in a
#: commune of the French-language region and the first permit order) and the presentation
#: deadline.
PRESENTATION_MONTHS: Final = 3

#: Months of legal stay in Belgium after which a person is no longer a newcomer.
LONG_STAY_MONTHS: Final = 36

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

#: The legal references every text cites (docs/domain.md, « Legal references »).
LEGAL_REFERENCES: Final[dict[str, str]] = {
    "definition": "CWASS, art. 150, 4°",
    "obligation": "CWASS, art. 152/7",
    "exemptions": "CRWASS, art. 238 et suivants",
    "temporary_protection": "CRWASS, art. 238/3",
    "no_place": "CWASS, art. 152/8",
}
_DEFINITION: Final = LEGAL_REFERENCES["definition"]
_OBLIGATION: Final = LEGAL_REFERENCES["obligation"]
_EXEMPTIONS: Final = LEGAL_REFERENCES["exemptions"]

#: Every reason code, explained in plain French with its legal basis.
REASON_LABELS: Final[dict[str, str]] = {
    BELGIAN: (
        f"Nationalité belge : le parcours ne concerne que les personnes étrangères ({_DEFINITION})."
    ),
    EU_CITIZEN: (
        "Citoyen·ne d'un État membre de l'Union européenne, de l'Espace économique européen "
        "(Islande, Liechtenstein, Norvège) ou de la Suisse : pas concerné·e par l'obligation "
        f"({_OBLIGATION})."
    ),
    EU_FAMILY_MEMBER: (
        "Membre de la famille d'un·e citoyen·ne de l'Union européenne, de l'Espace économique "
        "européen ou de la Suisse ayant circulé (directive 2004/38) : pas concerné·e par "
        f"l'obligation ({_OBLIGATION})."
    ),
    PROTECTION_APPLICANT: (
        "Demandeur·euse de protection internationale : pas concerné·e par l'obligation "
        f"({_OBLIGATION})."
    ),
    SHORT_PERMIT: (
        "Titre de séjour de trois mois au plus : l'obligation ne vise que les titulaires d'un "
        f"titre de séjour de plus de trois mois ({_DEFINITION})."
    ),
    PERMIT_BEFORE_2016_05_19: (
        "Titre de séjour commandé avant le 19 mai 2016 : l'obligation ne s'applique qu'aux "
        f"titres commandés à partir de cette date ({_OBLIGATION})."
    ),
    LONG_STAY: (
        "Trois ans ou plus de séjour légal en Belgique au moment d'arriver en Wallonie "
        "(inscription dans une commune de la région de langue française ou commande du titre "
        f"de séjour) : la personne n'est plus primo-arrivante ({_DEFINITION})."
    ),
    UNDER_18: f"Moins de 18 ans : dispense ({_EXEMPTIONS}).",
    AGED_65_OR_OVER: f"65 ans ou plus : dispense ({_EXEMPTIONS}).",
    TEMPORARY_PROTECTION: (
        "Bénéficiaire de la protection temporaire (personnes ayant fui la guerre en Ukraine) "
        "ou membre de sa famille à charge : plus obligé·e depuis l'arrêté du Gouvernement "
        "wallon du 29 septembre 2022 (CRWASS, art. 238/3), le parcours reste encouragé sur une "
        "base volontaire."
    ),
    STANDSTILL_NATIONALITY: (
        "Ressortissant·e d'un État dont l'accord d'association avec l'Union européenne "
        f"contient une clause de « standstill » (Turquie) : dispense ({_EXEMPTIONS})."
    ),
    MEDICAL: (
        "Certificat médical attestant l'impossibilité de suivre le parcours : dispense "
        f"({_EXEMPTIONS})."
    ),
    BELGIAN_DIPLOMA: (
        f"Certificat ou diplôme délivré par l'enseignement belge : dispense ({_EXEMPTIONS})."
    ),
    EMPLOYMENT: (
        "Travail au moins à mi-temps pendant une période ininterrompue de plus de trois mois : "
        f"dispense ({_EXEMPTIONS})."
    ),
    STUDIES: (
        "Étudiant·e régulier·ère ou d'échange, ou boursier·ère de doctorat, dans un "
        "établissement d'enseignement supérieur ; ou enseignant·e dans un établissement "
        f"reconnu de la Fédération Wallonie-Bruxelles : dispense ({_EXEMPTIONS})."
    ),
    PRIOR_ATTESTATION: (
        "Déjà titulaire d'une attestation de fréquentation du parcours d'intégration, ou d'une "
        "attestation similaire d'une autre Communauté ou Région : dispense "
        f"({_EXEMPTIONS})."
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

#: Nationalities a file may hold beyond ISO 3166-1 (user-assigned codes, as the Belgian
#: registers use them): Kosovo, stateless, and not known.
KOSOVO: Final = "XK"
STATELESS: Final = "XS"
UNKNOWN_NATIONALITY: Final = "XU"
OTHER_NATIONALITIES: Final[dict[str, str]] = {
    KOSOVO: "Kosovo",
    STATELESS: "Apatride",
    UNKNOWN_NATIONALITY: "Nationalité inconnue",
}
_ISO_COUNTRY_CODES: Final[frozenset[str]] = frozenset(COUNTRIES) | frozenset(OTHER_NATIONALITIES)


# --- The facts and the outcome --------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """What the rules need to know about a person.

    Attributes:
        birth_date: date of birth.
        nationality: ISO 3166-1 alpha-2 code, upper case ("MA", "BE", "UA").
        first_registration_on: first registration in a commune of the French-language
            region (not in Belgium: someone arriving from Flanders or Brussels starts
            here), if known.
        permit_ordered_on: day the **first** residence permit of more than 3 months was
            ordered, if known (renewals are kept apart on the file, never passed here).
        permit_over_3_months: whether that permit is valid for more than 3 months.
        eu_family_member: family member of an EU, EEA or Swiss citizen.
        protection_applicant: applicant for international protection.
        temporary_protection: under temporary protection (or dependent family of such a
            person).
        exemptions: proven exemptions, codes from :data:`EXEMPTION_CODES`.
        stay_started_on: start of the legal stay in Belgium; None means the same day as
            ``first_registration_on``.
        eu_family_free_movement: whether the EU citizen the person is a family member of
            has used free movement (Directive 2004/38); None = not recorded (the family
            membership counts), False = never moved (a Belgian's spouse who never left
            Belgium): the family membership does not make the person not concerned.
        second_nationality: another nationality the person holds, if any; a Belgian or an
            EU, EEA or Swiss one means not concerned.
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
    stay_started_on: date | None = None
    eu_family_free_movement: bool | None = None
    second_nationality: str | None = None


@dataclass(frozen=True)
class Assessment:
    """The outcome of :func:`assess_obligation`.

    Attributes:
        status: one of :data:`ASSESSMENT_STATUSES` ("obliged", "exempt", "not_concerned",
            "incomplete").
        reasons: reason codes (keys of :data:`REASON_LABELS`) in their fixed order; empty
            when obliged.
        regime: "2018" or "2024" when obliged, else None.
        presentation_deadline: last day to present at the CRI (3 months after the later of
            the first registration and the permit order) when obliged, else None.
        attestation_deadline: last day to obtain the attestation (permit ordered + 18 or
            36 months depending on the regime) when obliged, else None.
        missing: when incomplete, the :class:`PersonFacts` field names the rules needed and
            did not get, in field order; else empty.
    """

    status: str
    reasons: tuple[str, ...]
    regime: str | None
    presentation_deadline: date | None
    attestation_deadline: date | None
    missing: tuple[str, ...] = ()


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
    """Whether ``code`` is an assigned ISO 3166-1 alpha-2 code, in upper case ASCII (or one
    of :data:`OTHER_NATIONALITIES`)."""
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


def subject_on(facts: PersonFacts) -> date | None:
    """The day the person becomes subject to Walloon law: the later of the first
    registration in the French-language region and the first permit order (None when one
    of them is unknown)."""
    registration, permit = facts.first_registration_on, facts.permit_ordered_on
    if registration is None or permit is None:
        return None
    return max(registration, permit)


def _long_stay(facts: PersonFacts) -> bool | None:
    """Three years or more of legal stay in Belgium on the day the person becomes subject
    in Wallonia; None when it cannot be decided."""
    stay_start = facts.stay_started_on or facts.first_registration_on
    permit = facts.permit_ordered_on
    if stay_start is None or permit is None:
        return None
    limit = add_months(stay_start, LONG_STAY_MONTHS)
    subject = subject_on(facts)
    if subject is None:
        # Registration unknown: the subject day is the permit order or later, so a permit
        # ordered past the limit decides it; anything else needs the registration.
        return True if permit >= limit else None
    return subject >= limit


def _not_concerned_reasons(facts: PersonFacts) -> tuple[str, ...]:
    permit = facts.permit_ordered_on
    nationalities = {facts.nationality, facts.second_nationality} - {None}
    applies = {
        BELGIAN: _BELGIUM in nationalities,
        EU_CITIZEN: bool((nationalities - {_BELGIUM}) & (EU_MEMBER_STATES | EEA_AND_SWISS_STATES)),
        EU_FAMILY_MEMBER: facts.eu_family_member and facts.eu_family_free_movement is not False,
        PROTECTION_APPLICANT: facts.protection_applicant,
        SHORT_PERMIT: not facts.permit_over_3_months,
        PERMIT_BEFORE_2016_05_19: permit is not None and permit < OBLIGATION_START,
        LONG_STAY: bool(_long_stay(facts)),
    }
    return tuple(code for code in NOT_CONCERNED_REASONS if applies[code])


def _missing(facts: PersonFacts) -> tuple[str, ...]:
    """The facts the rules need and did not get (the person holds a permit of more than
    three months and no not-concerned reason applies)."""
    missing = set()
    if facts.permit_ordered_on is None:
        missing.add("permit_ordered_on")
    if facts.first_registration_on is None and (
        facts.permit_ordered_on is None or _long_stay(facts) is None
    ):
        missing.add("first_registration_on")
    return tuple(name for name in ("first_registration_on", "permit_ordered_on") if name in missing)


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
       reported, in that order, and nothing else). Three years of legal stay
       (``long_stay``) are counted from ``stay_started_on`` (else the first registration)
       to the later of the first registration and the permit order.
    2. Otherwise incomplete when a fact the rules need is missing (the permit's order date,
       or the first registration when the length of stay cannot be decided without it):
       ``missing`` names them. A missing date never makes a person « not concerned ».
    3. Otherwise exempt when any of :data:`EXEMPTION_REASONS` applies (age in full years on
       ``on``; declared exemptions in the order of :data:`EXEMPTION_CODES`, whatever the
       iteration order of the set).
    4. Otherwise obliged, under the 2024 regime when the permit was ordered on or after
       ``regime_2024_start`` (else 2018), with the presentation deadline (3 months after
       the later of the first registration and the permit order) and the attestation
       deadline (permit ordered + 18 or 36 months).

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
    if facts.second_nationality is not None:
        _check_country_code(facts.second_nationality, "second nationality")
    for code in standstill_nationalities:
        _check_country_code(code, "standstill nationality")
    _check_exemptions(facts.exemptions)

    not_concerned = _not_concerned_reasons(facts)
    if not_concerned:
        return Assessment(NOT_CONCERNED, not_concerned, None, None, None)

    missing = _missing(facts)
    if missing:
        return Assessment(INCOMPLETE, (), None, None, None, missing=missing)

    exempt = _exemption_reasons(facts, on, standstill_nationalities)
    if exempt:
        return Assessment(EXEMPT, exempt, None, None, None)

    permit = facts.permit_ordered_on
    subject = subject_on(facts)
    # Nothing is missing, so both dates are known.
    assert permit is not None and subject is not None
    regime = REGIME_2024 if permit >= regime_2024_start else REGIME_2018
    return Assessment(
        status=OBLIGED,
        reasons=(),
        regime=regime,
        presentation_deadline=add_months(subject, PRESENTATION_MONTHS),
        attestation_deadline=add_months(permit, REGIME_ATTESTATION_MONTHS[regime]),
    )


# --- Explanations ---------------------------------------------------------------------------


def obligation_grounds(
    facts: PersonFacts, on: date, *, nationality_name: str = ""
) -> tuple[str, ...]:
    """Why an obliged person is obliged: the facts that made the rules decide, in plain
    French, each with the rule it meets (for the file page; only meaningful when
    :func:`assess_obligation` said « obliged » for these facts on ``on``)."""
    subject = subject_on(facts)
    permit, registration = facts.permit_ordered_on, facts.first_registration_on
    country = nationality_name or facts.nationality
    grounds = [
        f"Nationalité {country} : ni belge, ni d'un pays de l'Union européenne, de l'EEE ou "
        f"de la Suisse ({_DEFINITION}).",
        f"{age_on(facts.birth_date, on)} ans le {on:%d/%m/%Y} : entre 18 et 64 ans "
        f"({_EXEMPTIONS}).",
    ]
    if permit is not None:
        grounds.append(
            f"Premier titre de séjour de plus de trois mois commandé le {permit:%d/%m/%Y} "
            f"({_OBLIGATION})."
        )
    if registration is not None:
        grounds.append(
            "Première inscription dans une commune de la région de langue française le "
            f"{registration:%d/%m/%Y}."
        )
    if subject is not None:
        grounds.append(
            f"Moins de trois ans de séjour légal au {subject:%d/%m/%Y}, jour où la personne "
            "relève du parcours wallon."
        )
    grounds.append("Aucune dispense prouvée à ce jour.")
    return tuple(grounds)


def becomes_obliged_on(facts: PersonFacts, result: Assessment) -> date | None:
    """For a person exempt only because they are under 18: their 18th birthday, when the
    obligation begins (unless the facts change meanwhile); else None."""
    if result.status != EXEMPT or result.reasons != (UNDER_18,):
        return None
    return add_months(facts.birth_date, 18 * 12)


def obliged_when_exemptions_end(
    facts: PersonFacts,
    on: date,
    ends: Mapping[str, date],
    *,
    regime_2024_start: date = DEFAULT_REGIME_2024_START,
    standstill_nationalities: frozenset[str] = DEFAULT_STANDSTILL_NATIONALITIES,
) -> date | None:
    """For a person exempt on ``on`` by exemptions with a last day (``ends``: code → last
    day covered): the first day after one of those last days on which, without the
    exemptions ended by then, the rules say obliged (unless the facts change meanwhile);
    else None (another reason keeps the person exempt, or none ends)."""
    days = sorted(
        {
            end + timedelta(days=1)
            for code, end in ends.items()
            if code in facts.exemptions and end >= on
        }
    )
    for day in days:
        remaining = frozenset(
            code for code in facts.exemptions if code not in ends or ends[code] >= day
        )
        result = assess_obligation(
            replace(facts, exemptions=remaining),
            day,
            regime_2024_start=regime_2024_start,
            standstill_nationalities=standstill_nationalities,
        )
        if result.status == OBLIGED:
            return day
    return None
