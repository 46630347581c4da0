"""Plausibility: what a typed value must look like to be believed, beyond its type.

One rule, two users: a form calls it so that the error lands on the field, in French; the
service (each app's single write path) calls the same rule and refuses what got past a
form (another caller, a stale page, a script). Pure: the day, the limits and the settings
come in as arguments; each rule returns the message to show, or nothing when the value is
plausible.

The date rules are named (:data:`DATE_RULES`): ``tests/cainamur/test_plausible_dates.py``
maps every ``DateField`` of every model to the rule its forms and services apply, or says
why none applies.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from stdnum.be import bis, nn

# --- Dates ----------------------------------------------------------------------------------

PAST_OR_TODAY = "past_or_today"
BIRTH_DATE = "birth_date"
AFTER = "after"
WITHIN_A_YEAR = "within_a_year"
WITHIN_OFFER = "within_offer"
NOT_RETROACTIVE = "not_retroactive"

#: The named date rules, and what each one asks of a date.
DATE_RULES: dict[str, str] = {
    PAST_OR_TODAY: "the thing has happened: the date is not after today",
    BIRTH_DATE: "not in the future, not more than MAX_AGE_YEARS years ago",
    AFTER: "follows another date of the same record (a validity, a new deadline)",
    WITHIN_A_YEAR: "at most a year from another date of the same record",
    WITHIN_OFFER: "inside the offer's first and last days (an operator's hours)",
    NOT_RETROACTIVE: "a proof counts from its date on, never for an assessment before it",
}

#: The oldest plausible person, in years.
MAX_AGE_YEARS = 110


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def past_or_today(value: date | None, *, today: date) -> str | None:
    """A date of something that has happened (a proof, hours, an interview, a decision)."""
    if value is not None and value > today:
        return _("Cette date est dans le futur.")
    return None


def birth_date(value: date | None, *, today: date) -> str | None:
    """A birth date: not in the future, not more than :data:`MAX_AGE_YEARS` years ago."""
    if value is None:
        return None
    if value > today:
        return _("Une date de naissance ne peut pas être dans le futur.")
    if value < years_before(today, MAX_AGE_YEARS):
        return _("Plus de %(years)s ans : vérifiez l'année de naissance.") % {
            "years": MAX_AGE_YEARS
        }
    return None


def after(
    value: date | None, earlier: date | None, *, message: str, strict: bool = True
) -> str | None:
    """``value`` follows ``earlier`` (``strict=False``: the same day is allowed too);
    ``message`` says it in the words of the record."""
    if value is None or earlier is None:
        return None
    if value < earlier or (strict and value == earlier):
        return message
    return None


def within_a_year(value: date | None, start: date | None) -> str | None:
    """At most a year (366 days) after ``start``: longer is a typing mistake more often
    than a fact (a period, a convention starting long after it is signed)."""
    if value is None or start is None:
        return None
    if abs((value - start).days) > 366:
        return _("Plus d'un an : vérifiez les dates.")
    return None


def within_offer(
    start: date | None, end: date | None, *, first: date | None, last: date | None
) -> str | None:
    """A period of hours inside the offer's dates (either end may be open)."""
    if start is None or end is None:
        return None
    if (first is not None and start < first) or (last is not None and end > last):
        return _(
            "La période doit tomber dans les dates de la formation (du %(first)s au %(last)s)."
        ) % {
            "first": f"{first:%d/%m/%Y}" if first else "…",
            "last": f"{last:%d/%m/%Y}" if last else "…",
        }
    return None


def counts_on(proven_on: date, on: date, *, until: date | None = None) -> bool:
    """A proof dated ``proven_on`` counts for an assessment on ``on``: never before its own
    date (an exemption proven later does not make someone exempt retroactively), nor after
    its last day ``until`` (a certificate, a contract or studies that ended)."""
    return proven_on <= on and (until is None or on <= until)


# --- Hours ----------------------------------------------------------------------------------

#: Hours are stored with two decimals and six digits (``DecimalField(6, 2)``).
HOURS_DECIMALS = 2
HOURS_LIMIT = Decimal("10000")


def hours_amount(value: Decimal) -> str | None:
    """A finite number of hours with at most two decimals, below 10,000 either way."""
    if not value.is_finite():
        return _("Indiquez un nombre d'heures (par ex. 3 ou 2,5).")
    if abs(value) >= HOURS_LIMIT:
        return _("Moins de 10 000 heures, s'il vous plaît : vérifiez le nombre.")
    if value != value.quantize(Decimal(1).scaleb(-HOURS_DECIMALS)):
        return _("Deux décimales au plus (par ex. 2,25 heures).")
    return None


def hours_in_days(hours: Decimal, *, days: int, max_per_day: int) -> str | None:
    """A line never holds more than ``days`` days can: ``max_per_day`` hours each."""
    if hours <= days * max_per_day:
        return None
    if days == 1:
        return _("Plus de %(max)s heures par jour : une ligne compte les heures d'une journée.") % {
            "max": max_per_day
        }
    return _("Plus de %(max)s heures par jour sur la période de %(days)s jours.") % {
        "max": max_per_day,
        "days": days,
    }


def hours_over_tolerance(total: Decimal, *, required: Decimal, tolerance_percent: int) -> bool:
    """Whether ``total`` passes the required hours by more than the tolerance."""
    return total * 100 > required * (100 + tolerance_percent)


def hours_excess(
    total: Decimal, *, required: Decimal, tolerance_percent: int, may_confirm: bool
) -> str:
    """Why a line that takes an axis past its hours and the tolerance waits for a
    coordinator: what a coordinator reads (tick the box), what a caseworker reads."""
    params = {
        "total": _number(total),
        "required": _number(required),
        "tolerance": tolerance_percent,
    }
    if may_confirm:
        return (
            _(
                "Le total passerait à %(total)s h pour %(required)s h requises (plus de "
                "%(tolerance)s %% au-delà) : cochez la confirmation si c'est bien le cas."
            )
            % params
        )
    return (
        _(
            "Le total passerait à %(total)s h pour %(required)s h requises (plus de "
            "%(tolerance)s %% au-delà) : une coordinatrice ou un coordinateur doit confirmer ces "
            "heures."
        )
        % params
    )


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


# --- Texts ----------------------------------------------------------------------------------


def too_long(value: str, *, max_length: int | None) -> str | None:
    """A text longer than its field holds (said on that field, never cut silently)."""
    if max_length is None or len(value) <= max_length:
        return None
    return _("Au plus %(max)s caractères (ce texte en compte %(length)s).") % {
        "max": max_length,
        "length": len(value),
    }


# --- The national register number -----------------------------------------------------------


def register_number_disagreements(number: str, *, birth: date | None, sex: str) -> list[str]:
    """What an 11-digit national register or BIS number says against the birth date and
    the sex typed, one sentence each (empty when they agree, or when the number does not
    say: a BIS number with an unknown date or sex, a month or a day unknown when the
    number was given, a sex recorded as « other »)."""
    kind = nn if nn.is_valid(number) else bis if bis.is_valid(number) else None
    if kind is None:
        return []
    problems: list[str] = []
    if birth is not None:
        year, month, full = (
            kind.get_birth_year(number),
            kind.get_birth_month(number),
            kind.get_birth_date(number),
        )
        if full is not None and full != birth:
            problems.append(
                _("Ce numéro correspond à une naissance le %(number)s, pas le %(typed)s.")
                % {"number": f"{full:%d/%m/%Y}", "typed": f"{birth:%d/%m/%Y}"}
            )
        elif full is None and month is not None and (year, month) != (birth.year, birth.month):
            problems.append(
                _("Ce numéro correspond à une naissance en %(number)s, pas en %(typed)s.")
                % {"number": f"{month:02d}/{year}", "typed": f"{birth:%m/%Y}"}
            )
        elif full is None and month is None and year is not None and year != birth.year:
            problems.append(
                _("Ce numéro correspond à une naissance en %(number)s, pas en %(typed)s.")
                % {"number": year, "typed": birth.year}
            )
    gender = kind.get_gender(number)
    if gender is not None and sex in ("F", "M") and gender != sex:
        problems.append(
            _("Ce numéro est celui d'un homme, or le sexe saisi est « femme ».")
            if gender == "M"
            else _("Ce numéro est celui d'une femme, or le sexe saisi est « homme ».")
        )
    return problems
