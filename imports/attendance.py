"""An operator's attendance sheet (one line per person and period: file number, from, to,
hours) run through the reporting link's own service, :func:`operators.services.report_submit`,
so that its rules are exactly the link's (hours per day, period within the offer's dates and
not in the future, a period never declared twice for a person, never more than the offer's
hours...). Lines are grouped by period, one call per group; the link's refusals, by
orientation or for the whole period, are brought back to the sheet's line numbers.

:func:`run` works inside a transaction: the preview rolls it back, the confirmation keeps it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from cainamur.exports import safe_text
from imports.communes import parse_date
from imports.tables import Cell, Table, TableError, normalised
from operators.models import CreditedPeriod, Orientation, ReportingLink
from operators.services import OrientationError, ReportRefused, report_submit, reportable

OK: Final = "ok"
ALREADY: Final = "already"
ERROR: Final = "error"
#: A line's outcome as the operator reads it, before and after the confirmation.
PREVIEW_LABELS: Final = {
    OK: _l("heures à enregistrer"),
    ALREADY: _l("déjà enregistré"),
    ERROR: _l("erreur"),
}
DONE_LABELS: Final = {
    OK: _l("heures enregistrées"),
    ALREADY: _l("déjà enregistré"),
    ERROR: _l("erreur"),
}
#: An offer has a few dozen people: a sheet of a year of weekly lines stays far below.
MAX_LINES: Final = 2000


@dataclass(frozen=True)
class SheetColumn:
    name: str
    #: The header written in the template (and shown in messages).
    header: Any
    required: bool
    #: Headers also accepted, compared without accents, case or punctuation.
    synonyms: tuple[str, ...]


COLUMNS: Final[tuple[SheetColumn, ...]] = (
    SheetColumn(
        "file_number",
        _l("Dossier"),
        True,
        ("dossier", "n dossier", "no dossier", "numero de dossier", "n de dossier", "numero"),
    ),
    SheetColumn("name", _l("Nom"), False, ("nom", "personne", "nom et prenom", "nom prenom")),
    SheetColumn(
        "period_start", _l("Du"), True, ("du", "debut", "date de debut", "periode du", "de")
    ),
    SheetColumn(
        "period_end",
        _l("Au (inclus)"),
        True,
        ("au", "au inclus", "fin", "date de fin", "periode au", "jusqu au", "jusqu au inclus"),
    ),
    SheetColumn("hours", _l("Heures"), True, ("heures", "heures suivies", "nombre d heures", "h")),
)


def columns_of(headers: list[str]) -> dict[str, int]:
    """Column name → position in the sheet; ``TableError`` naming a required column that
    is missing (the sheet is ours: its headers are fixed, matched without accents or case)."""
    positions = {normalised(header): index for index, header in enumerate(headers) if header}
    found: dict[str, int] = {}
    for column in COLUMNS:
        keys = (normalised(str(column.header)), *column.synonyms)
        index = next((positions[key] for key in keys if key in positions), None)
        if index is not None:
            found[column.name] = index
        elif column.required:
            raise TableError(
                _(
                    "La colonne « %(column)s » manque : partez du modèle à télécharger "
                    "(colonnes Dossier, Nom, Du, Au (inclus), Heures)."
                )
                % {"column": column.header}
            )
    return found


@dataclass
class Line:
    """One line of the sheet and what becomes of it."""

    line: int
    status: str = OK
    reasons: list[str] = field(default_factory=list)
    file_number: str = ""
    name: str = ""
    period_start: date | None = None
    period_end: date | None = None
    hours: Decimal | None = None
    orientation_id: int | None = None
    beneficiary_id: int | None = None

    def refuse(self, reason: str) -> None:
        self.status = ERROR
        if reason not in self.reasons:
            self.reasons.append(reason)

    def as_report(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "status": self.status,
            "reason": " ".join(self.reasons),
            "name": self.name,
            "file_number": self.file_number,
            "period_start": self.period_start.isoformat() if self.period_start else "",
            "period_end": self.period_end.isoformat() if self.period_end else "",
            "hours": f"{self.hours.normalize():f}" if self.hours is not None else "",
            "beneficiary": self.beneficiary_id,
        }


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_hours(value: Cell) -> Decimal | None:
    """Hours as typed (« 2,5 », « 3 ») or a number cell; None when blank; ``ValueError``
    when unreadable. A float cell is read through its shortest text (2.5, never
    2.4999...); the link's service then checks two decimals at most, NaN, infinity."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = str(value).strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise ValueError(text) from error


def read_lines(table: Table, people: dict[str, Orientation]) -> tuple[list[Line], int]:
    """Every line with hours, checked for what the sheet itself says (a known person, dates
    and hours readable); lines with no hours (the template's people not reported on this
    time) are left out and counted."""
    positions = columns_of(table.headers)
    lines: list[Line] = []
    blank = 0
    for number, row in table.rows:
        cells = {
            name: row[index] if index < len(row) else None for name, index in positions.items()
        }
        line = Line(line=number)
        try:
            line.hours = parse_hours(cells.get("hours"))
        except ValueError:
            line.refuse(_("Indiquez un nombre d'heures (ex. 3 ou 2,5)."))
        if line.status == OK and (line.hours is None or line.hours == 0):
            blank += 1
            continue
        line.file_number = _text(cells.get("file_number"))[:20]
        line.name = _text(cells.get("name"))[:120]
        orientation = people.get(line.file_number.upper())
        if not line.file_number:
            line.refuse(_("Numéro de dossier manquant."))
        elif orientation is None:
            line.refuse(
                _("Le dossier « %(number)s » n'est pas inscrit à cette offre.")
                % {"number": line.file_number}
            )
        else:
            line.orientation_id = orientation.pk
            line.beneficiary_id = orientation.beneficiary_id
            line.file_number = orientation.beneficiary.file_number
            line.name = orientation.beneficiary.full_name
        for name, message in (
            ("period_start", _("Date « Du » illisible ou manquante : attendu jj/mm/aaaa.")),
            ("period_end", _("Date « Au » illisible ou manquante : attendu jj/mm/aaaa.")),
        ):
            try:
                value = parse_date(cells.get(name))
            except ValueError:
                value = None
            if value is None:
                line.refuse(message)
            setattr(line, name, value)
        lines.append(line)
    return lines, blank


def _mark_repeated(lines: list[Line]) -> None:
    """A person and period twice in the sheet: the later line is refused. A line already
    recorded (same person, same period, same hours, by a link of this offer) is « déjà
    enregistré »: the same sheet sent twice records nothing twice."""
    seen: dict[tuple[int, date, date], int] = {}
    for line in lines:
        if line.status != OK:
            continue
        assert line.orientation_id and line.period_start and line.period_end
        key = (line.orientation_id, line.period_start, line.period_end)
        if key in seen:
            line.refuse(
                _("Même personne et même période qu'à la ligne %(line)s.") % {"line": seen[key]}
            )
        else:
            seen[key] = line.line
    ids = {line.orientation_id for line in lines if line.status == OK}
    recorded = {
        (pk, period.lower, period.upper - timedelta(days=1), hours)
        for pk, period, hours in CreditedPeriod.objects.filter(orientation_id__in=ids).values_list(
            "orientation_id", "period", "hours"
        )
    }
    for line in lines:
        if line.status != OK or line.hours is None:
            continue
        if (line.orientation_id, line.period_start, line.period_end, line.hours) in recorded:
            line.status = ALREADY
            line.reasons.append(_("Ces heures sont déjà enregistrées pour cette période."))


def _submit(link: ReportingLink, group: list[Line], *, ip: str) -> int | None:
    """One period through the link's service. Its refusals are all or nothing: the lines
    it blames are taken out and the rest sent again, until it records them or none is
    left. Returns the recorded submission's id."""
    pending = list(group)
    while pending:
        first = pending[0]
        assert first.period_start and first.period_end
        sent = {line.orientation_id: (line.hours, False) for line in pending}
        try:
            with transaction.atomic():
                submission = report_submit(
                    link=link,
                    period_start=first.period_start,
                    period_end=first.period_end,
                    lines=sent,  # type: ignore[arg-type]
                    ip=ip,
                )
        except ReportRefused as refusal:
            problems = refusal.problems
        except OrientationError as error:
            problems = {None: [str(error)]}
        else:
            return submission.pk
        whole = [m for key in ("period_start", "period_end", None) for m in problems.get(key, [])]
        blamed = False
        for line in pending:
            for message in (*whole, *problems.get(line.orientation_id, [])):
                line.refuse(message)
                blamed = True
        if not blamed:  # a refusal naming no line: none of this period is recorded
            for line in pending:
                line.refuse(" ".join(m for found in problems.values() for m in found))
        pending = [line for line in pending if line.status == OK]
    return None


@dataclass
class Outcome:
    lines: list[Line]
    #: Lines without hours, left out.
    blank: int
    submissions: list[int]


def run(link: ReportingLink, table: Table, *, ip: str, commit: bool) -> Outcome:
    """Read the sheet and send each period through the link's service, in one transaction
    kept when ``commit`` (the confirmation), rolled back otherwise (the preview: the same
    calls, so the same outcome, and nothing written)."""
    if len(table.rows) > MAX_LINES:
        raise TableError(_("Plus de %(max)s lignes : divisez la feuille.") % {"max": MAX_LINES})
    people = {o.beneficiary.file_number.upper(): o for o in reportable(link)}
    lines, blank = read_lines(table, people)
    submissions: list[int] = []
    with transaction.atomic():
        _mark_repeated(lines)
        groups: dict[tuple[date, date], list[Line]] = {}
        for line in lines:
            if line.status == OK:
                assert line.period_start and line.period_end
                groups.setdefault((line.period_start, line.period_end), []).append(line)
        for _period, group in sorted(groups.items()):
            if (submission := _submit(link, group, ip=ip)) is not None:
                submissions.append(submission)
        if not commit:
            transaction.set_rollback(True)
    return Outcome(
        lines=sorted(lines, key=lambda line: line.line), blank=blank, submissions=submissions
    )


def template_xlsx(link: ReportingLink) -> bytes:
    """The sheet to fill: one line per person the link page shows (file number and name,
    nothing else), the dates and hours to type; a second tab says how."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Heures")[:31]
    sheet.append([str(column.header) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (16, 34, 13, 13, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    people = reportable(link)
    for row, orientation in enumerate(people, start=2):
        sheet.cell(row=row, column=1, value=safe_text(orientation.beneficiary.file_number))
        sheet.cell(row=row, column=2, value=safe_text(orientation.beneficiary.full_name))
        for column in (3, 4):
            sheet.cell(row=row, column=column).number_format = "DD/MM/YYYY"
        sheet.cell(row=row, column=5).number_format = "0.00"
    help_sheet = workbook.create_sheet(_("Mode d'emploi")[:31])
    for text in (
        _(
            "Une ligne par personne et par période : les heures suivies du « Du » au « Au » "
            "(inclus)."
        ),
        _(
            "Dates au format jj/mm/aaaa ; heures en nombre (3 ou 2,5). Une ligne sans heures "
            "est ignorée."
        ),
        _("Pour plusieurs périodes, copiez la ligne de la personne et changez les dates."),
        _(
            "Les règles sont celles du formulaire en ligne : une période déjà déclarée ne l'est "
            "pas deux fois, pas plus d'heures par jour que permis, dans les dates de la "
            "formation."
        ),
        _("Ne changez pas les titres des colonnes ; la colonne « Nom » n'est qu'un repère."),
    ):
        help_sheet.append([text])
    help_sheet.column_dimensions["A"].width = 110
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
