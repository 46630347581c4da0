"""A commune's list read line by line: what each line says (the fields a registration
needs, checked as the registration form checks them), then, for the whole list at once,
which lines are already files (same register number, or a likely duplicate: same birth
date and a similar name).

Nothing here writes: :mod:`imports.services` confirms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django_countries import countries
from stdnum.be import bis, nn

from beneficiaries.forms import compact_national_number
from beneficiaries.models import Beneficiary, Commune, Sex, file_date_problems
from beneficiaries.selectors import DUPLICATE_SIMILARITY
from cainamur.crypto import blind_index
from cainamur.lib import plausible
from cainamur.lib.phones import phone_normalise
from imports.tables import Cell, Table, normalised

NEW: Final = "new"
EXISTING: Final = "existing"
ERROR: Final = "error"
STATUS_LABELS: Final = {
    NEW: _l("nouveau dossier"),
    EXISTING: _l("dossier existant"),
    ERROR: _l("erreur"),
}


@dataclass(frozen=True)
class ImportField:
    name: str
    label: Any
    required: bool
    #: Headers communes use for it (compared without accents, case or punctuation).
    synonyms: tuple[str, ...]


FIELDS: Final[tuple[ImportField, ...]] = (
    ImportField(
        "last_name", _l("Nom"), True, ("nom", "nom de famille", "naam", "last name", "nom usuel")
    ),
    ImportField(
        "first_names",
        _l("Prénoms"),
        True,
        ("prenom", "prenoms", "prenom s", "voornaam", "voornamen", "first name", "first names"),
    ),
    ImportField(
        "birth_date",
        _l("Date de naissance"),
        True,
        ("date de naissance", "ne e le", "ne le", "naissance", "geboortedatum", "birth date"),
    ),
    ImportField("sex", _l("Sexe"), True, ("sexe", "genre", "geslacht", "sex", "m f")),
    ImportField(
        "nationality", _l("Nationalité"), True, ("nationalite", "nationaliteit", "nationality")
    ),
    ImportField(
        "national_number",
        _l("Numéro de registre national ou BIS"),
        False,
        (
            "numero national",
            "numero de registre national",
            "registre national",
            "n registre national",
            "nrn",
            "niss",
            "rijksregisternummer",
            "numero bis",
        ),
    ),
    ImportField(
        "first_registration_on",
        _l("Date d'inscription dans la commune"),
        False,
        ("date d inscription", "inscrit e le", "inscrit le", "date inscription", "inscription"),
    ),
    ImportField("street", _l("Rue et numéro"), False, ("adresse", "rue", "rue et numero")),
    ImportField("postal_code", _l("Code postal"), False, ("code postal", "cp", "postcode")),
    ImportField("commune", _l("Commune"), False, ("commune", "localite", "gemeente", "ville")),
    ImportField("birth_place", _l("Lieu de naissance"), False, ("lieu de naissance",)),
    ImportField("phone", _l("Téléphone"), False, ("telephone", "tel", "gsm")),
    ImportField("email", _l("Adresse e-mail"), False, ("e mail", "email", "courriel")),
)
FIELD_NAMES: Final = tuple(f.name for f in FIELDS)
REQUIRED: Final = tuple(f.name for f in FIELDS if f.required)

SEXES: Final = {
    "f": Sex.FEMALE,
    "femme": Sex.FEMALE,
    "feminin": Sex.FEMALE,
    "v": Sex.FEMALE,
    "vrouw": Sex.FEMALE,
    "m": Sex.MALE,
    "h": Sex.MALE,
    "homme": Sex.MALE,
    "masculin": Sex.MALE,
    "man": Sex.MALE,
    "x": Sex.OTHER,
    "autre": Sex.OTHER,
}
DATE_FORMATS: Final = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")


def guess_columns(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """Field → header of this file: what was chosen for the commune last time (its headers
    matched without case or accents), else a header commonly used for it."""
    by_key = {normalised(header): header for header in headers if header}
    guessed: dict[str, str] = {}
    for item in FIELDS:
        before = (remembered or {}).get(item.name)
        if before and normalised(before) in by_key:
            guessed[item.name] = by_key[normalised(before)]
            continue
        if remembered is not None and item.name in remembered:
            continue  # remembered as « not in the file »: no guess over it
        for synonym in item.synonyms:
            if synonym in by_key and by_key[synonym] not in guessed.values():
                guessed[item.name] = by_key[synonym]
                break
    return guessed


@dataclass
class Line:
    """One line of the list and what becomes of it."""

    line: int
    status: str = NEW
    reasons: list[str] = field(default_factory=list)
    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    beneficiary_id: int | None = None
    file_number: str = ""

    def refuse(self, reason: str) -> None:
        self.status = ERROR
        self.reasons.append(reason)

    def as_report(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "status": self.status,
            "reason": " ".join(self.reasons),
            "name": self.name,
            "beneficiary": self.beneficiary_id,
            "file_number": self.file_number,
        }


def parse_date(cell: Cell) -> date | None:
    """A date as communes write it (dd/mm/yyyy, yyyy-mm-dd…) or a real spreadsheet date;
    ``ValueError`` when it cannot be read."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise ValueError(text)


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for code, name in countries:
                names[normalised(str(name))] = code
    return names


def parse_country(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if len(text) in (2, 3) and text.isalpha():
        code = countries.alpha2(text.upper())
        if code:
            return code
    return _country_names().get(normalised(text))


class CommuneIndex:
    """The 38 communes, by name and by postal code (loaded once)."""

    def __init__(self) -> None:
        self.by_pk: dict[int, Commune] = {}
        self.by_name: dict[str, Commune] = {}
        self.by_code: dict[str, Commune] = {}
        for commune in Commune.objects.select_related("office"):
            self.by_pk[commune.pk] = commune
            self.by_name[normalised(commune.name)] = commune
            for code in commune.postal_codes:
                self.by_code[code] = commune

    def find(self, text: str) -> Commune | None:
        text = text.strip()
        if re.fullmatch(r"\d{4}", text):
            return self.by_code.get(text)
        return self.by_name.get(normalised(text))


def _text(cells: dict[str, Cell], name: str) -> str:
    value = cells.get(name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a postal code or a number typed in a numeric cell
    return str(value).strip()


def _max_length(name: str) -> int | None:
    return Beneficiary._meta.get_field(name).max_length  # type: ignore[union-attr]


def read_line(
    number: int,
    cells: dict[str, Cell],
    *,
    default_commune: Commune,
    communes: CommuneIndex,
    today: date,
) -> Line:
    """One line checked as the registration form checks a file: names present, dates
    readable and plausible, a register number with its check digits agreeing with the
    birth date and sex, a commune of the province."""
    line = Line(line=number)
    data: dict[str, Any] = {}
    last_name, first_names = _text(cells, "last_name"), _text(cells, "first_names")
    line.name = f"{last_name.upper()} {first_names}".strip()
    if not last_name or not first_names:
        line.refuse(_("Nom ou prénom manquant."))
    for name, value in (("last_name", last_name), ("first_names", first_names)):
        if problem := plausible.too_long(value, max_length=_max_length(name)):
            line.refuse(problem)
        data[name] = value
    for name, label in (
        ("birth_date", _("date de naissance")),
        ("first_registration_on", _("date d'inscription")),
    ):
        try:
            data[name] = parse_date(cells.get(name))
        except ValueError:
            data[name] = None
            line.refuse(
                _("Date illisible (%(field)s) : « %(value)s » ; attendu jj/mm/aaaa.")
                % {"field": label, "value": _text(cells, name)[:20]}
            )
    if not _text(cells, "birth_date"):
        line.refuse(_("Date de naissance manquante."))
    sex_text = normalised(_text(cells, "sex"))
    data["sex"] = SEXES.get(sex_text, "")
    if not data["sex"]:
        line.refuse(
            _("Sexe illisible : « %(value)s » ; attendu F, M ou X.")
            % {"value": _text(cells, "sex")[:20]}
        )
    nationality = parse_country(_text(cells, "nationality"))
    if nationality is None:
        line.refuse(
            _("Nationalité inconnue : « %(value)s ».") % {"value": _text(cells, "nationality")[:40]}
        )
    data["nationality"] = nationality or ""
    raw_number = _text(cells, "national_number")
    data["national_number"] = None
    if raw_number:
        number_digits = compact_national_number(raw_number)
        if len(number_digits) != 11 or not (
            nn.is_valid(number_digits) or bis.is_valid(number_digits)
        ):
            line.refuse(
                _(
                    "Numéro de registre national invalide : ce n'est pas un numéro national "
                    "ni un numéro BIS (11 chiffres, chiffres de contrôle)."
                )
            )
        else:
            data["national_number"] = number_digits
            disagreements = plausible.register_number_disagreements(
                number_digits, birth=data["birth_date"], sex=data["sex"]
            )
            for problem in disagreements:
                line.refuse(problem)
    commune_text, code = _text(cells, "commune"), _text(cells, "postal_code")
    commune: Commune | None = default_commune
    if commune_text or code:
        # A locality that is not a commune (« Jambes ») is found by its postal code.
        commune = (communes.find(commune_text) if commune_text else None) or (
            communes.find(code) if code else None
        )
        if commune is None:
            line.refuse(
                _("Commune inconnue : « %(value)s » n'est pas une commune de la province de Namur.")
                % {"value": " ".join(filter(None, [code, commune_text]))[:60]}
            )
    if code and not re.fullmatch(r"\d{4}", code):
        line.refuse(_("Le code postal compte 4 chiffres."))
        code = ""
    if commune is not None:
        data["commune"] = commune
        data["office"] = commune.office
        if not code and len(commune.postal_codes) == 1:
            code = commune.postal_codes[0]
    data["postal_code"] = code
    for name in ("street", "birth_place"):
        value = _text(cells, name)
        if problem := plausible.too_long(value, max_length=_max_length(name)):
            line.refuse(problem)
        data[name] = value
    try:
        data["phone"] = phone_normalise(_text(cells, "phone"))
    except ValidationError:
        data["phone"] = ""
        line.refuse(_("Numéro de téléphone invalide."))
    email = _text(cells, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            line.refuse(_("Adresse e-mail invalide."))
            email = ""
    data["email"] = email
    for name, problem in file_date_problems(
        birth_date=data["birth_date"],
        stay_started_on=None,
        first_registration_on=data["first_registration_on"],
        permit_ordered_on=None,
        permit_issued_on=None,
        permit_valid_until=None,
        today=today,
    ).items():
        label = _("date de naissance") if name == "birth_date" else _("date d'inscription")
        line.refuse(
            _("%(field)s : %(problem)s") % {"field": label.capitalize(), "problem": problem}
        )
    line.data = data
    return line


def read_lines(table: Table, columns: dict[str, str], *, default_commune: Commune) -> list[Line]:
    """Every line of the table, read through the chosen columns (field → header)."""
    position = {header: index for index, header in enumerate(table.headers)}
    chosen = {name: position[header] for name, header in columns.items() if header in position}
    communes = CommuneIndex()
    today = timezone.localdate()
    lines = []
    for number, row in table.rows:
        cells = {name: row[index] if index < len(row) else None for name, index in chosen.items()}
        lines.append(
            read_line(
                number, cells, default_commune=default_commune, communes=communes, today=today
            )
        )
    return lines


def _same_person_key(data: dict[str, Any]) -> tuple[str, str, date | None]:
    return (normalised(data["last_name"]), normalised(data["first_names"]), data["birth_date"])


def mark_existing(lines: list[Line]) -> None:
    """The lines that are already files, found for the whole list at once: one query on
    the register numbers' blind index, one set-based query for likely duplicates (same
    birth date, similar name: the threshold of ``likely_duplicates``). A person twice in
    the same list is new once."""
    candidates = [line for line in lines if line.status == NEW]
    indexes = {
        blind_index(line.data["national_number"], purpose="national_number"): line
        for line in candidates
        if line.data.get("national_number")
    }
    if indexes:
        found = Beneficiary.objects.filter(national_number_index__in=list(indexes)).values_list(
            "national_number_index", "pk", "file_number"
        )
        for index, pk, file_number in found:
            line = indexes[index]
            line.status, line.beneficiary_id, line.file_number = EXISTING, pk, file_number
            line.reasons.append(_("Même numéro de registre national qu'un dossier existant."))
    remaining = [line for line in candidates if line.status == NEW]
    if remaining:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT DISTINCT ON (v.i) v.i, b.id, b.file_number
                FROM unnest(%s::int[], %s::text[], %s::date[]) AS v(i, name, birth)
                JOIN beneficiaries_beneficiary b ON b.birth_date = v.birth
                WHERE similarity(b.search_text, cai_unaccent(v.name)) >= %s
                ORDER BY v.i, similarity(b.search_text, cai_unaccent(v.name)) DESC
                """,
                [
                    list(range(len(remaining))),
                    [f"{line.data['last_name']} {line.data['first_names']}" for line in remaining],
                    [line.data["birth_date"] for line in remaining],
                    DUPLICATE_SIMILARITY,
                ],
            )
            for i, pk, file_number in cursor.fetchall():
                line = remaining[i]
                line.status, line.beneficiary_id, line.file_number = EXISTING, pk, file_number
                line.reasons.append(
                    _("Doublon probable : même date de naissance et nom semblable.")
                )
    seen_numbers: dict[str, int] = {}
    seen_people: dict[tuple[str, str, date | None], int] = {}
    for line in lines:
        if line.status != NEW:
            continue
        number = line.data.get("national_number")
        key = _same_person_key(line.data)
        earlier = seen_numbers.get(number) if number else None
        earlier = earlier or seen_people.get(key)
        if earlier is not None:
            line.status = EXISTING
            line.reasons.append(
                _("Même personne qu'à la ligne %(line)s de ce fichier.") % {"line": earlier}
            )
            continue
        if number:
            seen_numbers[number] = line.line
        seen_people[key] = line.line


def analyse(table: Table, columns: dict[str, str], *, default_commune: Commune) -> list[Line]:
    lines = read_lines(table, columns, default_commune=default_commune)
    mark_existing(lines)
    return lines


#: What a registration from a list takes of a line (the rest keeps the model's defaults).
REGISTRATION_FIELDS: Final = (
    "last_name",
    "first_names",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "national_number",
    "street",
    "postal_code",
    "commune",
    "office",
    "phone",
    "email",
    "first_registration_on",
)


def registration_data(line: Line) -> dict[str, Any]:
    return {name: line.data[name] for name in REGISTRATION_FIELDS}
