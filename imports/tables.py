"""Reading an uploaded table (CSV or XLSX) as data: the kind recognised by its content,
CSV decoded as UTF-8 (with or without BOM) or Windows-1252, its separator detected; the
XLSX read in read-only mode. Each row keeps its line number in the file (the header is
line 1 when it is the first line), so that a report says « ligne 17 » as the commune's
spreadsheet shows it."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from django.utils.translation import gettext as _

CSV: Final = "csv"
XLSX: Final = "xlsx"
EXTENSIONS: Final = {".csv": CSV, ".txt": CSV, ".xlsx": XLSX}
ACCEPT_ATTRIBUTE: Final = (
    ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
#: Markup is refused whatever the name says: a table is data.
MARKUP_STARTS: Final = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<")
#: A commune's list is a few thousand lines; far more is a mistake (or an attack).
MAX_ROWS: Final = 20_000
#: Lines of a sheet, blank ones included: a sheet reaching this line is refused, so that
#: a far cell (or a far blank row) never makes the reading go on for a million lines.
MAX_LINES: Final = MAX_ROWS + 1_000
#: Columns read: our lists have ten, our attendance sheets five. A cell further right is
#: refused rather than read (a sheet's declared width is never trusted).
MAX_COLUMNS: Final = 50
#: The workbook's parts once decompressed (a 20,000-line list is some 12 MB): past this, a
#: few kilobytes that inflate to gigabytes (a zip bomb) are refused before they are read.
#: The sizes declared by the zip are binding: Python's zipfile stops at them.
MAX_XLSX_BYTES: Final = 48 * 1024 * 1024

Cell = str | date | datetime | int | float | None


class TableError(ValueError):
    """The file cannot be read as a table: the message says why (French)."""


@dataclass
class Table:
    kind: str
    headers: list[str]
    #: (line number in the file, cells in the headers' order)
    rows: list[tuple[int, list[Cell]]]


def kind_of(name: str, head: bytes) -> str:
    """The table's kind from its extension and its content, which must agree."""
    lowered = name.lower()
    extension = next((kind for ext, kind in EXTENSIONS.items() if lowered.endswith(ext)), None)
    if extension is None:
        raise TableError(_("Joignez un fichier CSV ou XLSX (Excel)."))
    is_zip = head.startswith(b"PK\x03\x04")
    if extension == XLSX and not is_zip:
        raise TableError(_("Ce fichier n'est pas un classeur XLSX lisible."))
    if extension == CSV:
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if is_zip or b"\x00" in head or stripped.startswith(MARKUP_STARTS):
            raise TableError(
                _("Ce fichier n'est pas un texte CSV : enregistrez la liste en CSV ou en XLSX.")
            )
    return extension


def normalised(text: str) -> str:
    """A header as compared: no accents, lower case, single spaces, no punctuation
    around (« Prénom(s) » and « prenoms » are the same column)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    kept = "".join(ch if ch.isalnum() else " " for ch in plain)
    return " ".join(kept.split())


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _trimmed(cells: list[Cell]) -> list[Cell]:
    return [cell.strip() if isinstance(cell, str) else cell for cell in cells]


def _blank(cells: list[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell) for cell in cells)


def read_csv(data: bytes) -> Table:
    try:
        text = _decode(data)
    except UnicodeDecodeError as error:
        raise TableError(_("Le texte de ce fichier n'est pas lisible.")) from error
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first))
    headers: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    try:
        for raw in reader:
            cells: list[Cell] = list(_trimmed(list(raw)))
            if _blank(cells):
                continue
            if headers is None:
                headers = [str(cell or "") for cell in cells]
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS:
                raise _too_many_lines()
    except csv.Error as error:
        raise TableError(_("Ce fichier CSV est mal formé.")) from error
    return Table(kind=CSV, headers=headers or [], rows=rows)


def _check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts, decompressed, would be too large (before openpyxl
    reads any of them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TableError(_("Ce fichier n'est pas un classeur XLSX lisible.")) from error
    if len(parts) > 1_000 or sum(part.file_size for part in parts) > MAX_XLSX_BYTES:
        raise TableError(
            _(
                "Ce classeur est trop volumineux une fois décompressé : enregistrez la liste "
                "en CSV ou divisez-la."
            )
        )


def _too_many_lines() -> TableError:
    return TableError(_("Plus de %(max)s lignes : divisez le fichier.") % {"max": MAX_ROWS})


def _too_many_columns() -> TableError:
    return TableError(
        _("Ce classeur a plus de %(max)s colonnes : gardez seulement les colonnes de la liste.")
        % {"max": MAX_COLUMNS}
    )


def read_xlsx(data: bytes) -> Table:
    """The first sheet, read in read-only mode within bounds whatever the file claims: its
    declared dimension is ignored, at most ``MAX_COLUMNS`` columns and ``MAX_LINES`` lines
    (blank ones counted) are read; a sheet with lines further down, or headers further
    right, is refused (a value beyond the last header has no column to be chosen for)."""
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise TableError(_("Ce fichier n'est pas un classeur XLSX lisible.")) from error
    try:
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):  # read-only: forget the declared dimension
            sheet.reset_dimensions()
        headers: list[str] | None = None
        header_line = 0
        rows: list[tuple[int, list[Cell]]] = []
        # One column more than allowed: a value there refuses the file. The rows stop at
        # MAX_LINES: openpyxl yields a row (even blank) at that line only when the sheet
        # has a row there or further.
        values_rows = sheet.iter_rows(max_row=MAX_LINES, max_col=MAX_COLUMNS + 1, values_only=True)
        for number, values in enumerate(values_rows, start=1):
            if number >= MAX_LINES:
                raise _too_many_lines()
            if all(value is None for value in values):
                continue
            if values[MAX_COLUMNS:] and values[MAX_COLUMNS] is not None:
                raise _too_many_columns()
            cells = _trimmed([_cell(value) for value in values[:MAX_COLUMNS]])
            while cells and (cells[-1] is None or cells[-1] == ""):
                cells.pop()  # the padding up to MAX_COLUMNS
            if not cells:
                continue
            if headers is None:
                headers = [str(cell or "") for cell in cells]
                header_line = number
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise _too_many_lines()
        if headers is not None:
            # Columns are chosen by their header: a header further right than the bounded
            # reading sees refuses the file. The header line alone is read unbounded (one
            # line, as wide as its last cell); a value without a header is never read.
            line = next(sheet.iter_rows(min_row=header_line, max_row=header_line), ())
            if any(cell.value is not None for cell in line[MAX_COLUMNS:]):
                raise _too_many_columns()
    except TableError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise TableError(_("Ce fichier n'est pas un classeur XLSX lisible.")) from error
    finally:
        workbook.close()
    return Table(kind=XLSX, headers=headers or [], rows=rows)


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | date | datetime | int | float):
        return value
    return str(value)


def read_table(data: bytes, name: str) -> Table:
    """The table in ``data`` (a file named ``name``); ``TableError`` when it is not one."""
    kind = kind_of(name, data[:2048])
    table = read_csv(data) if kind == CSV else read_xlsx(data)
    if not table.headers:
        raise TableError(_("Ce fichier est vide : aucune ligne d'en-têtes."))
    seen: set[str] = set()
    for header in table.headers:
        key = normalised(header)
        if key and key in seen:
            raise TableError(
                _("La colonne « %(header)s » apparaît deux fois : renommez l'une des deux.")
                % {"header": header}
            )
        seen.add(key)
    return table
