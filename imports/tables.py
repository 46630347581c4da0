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
                raise TableError(
                    _("Plus de %(max)s lignes : divisez le fichier.") % {"max": MAX_ROWS}
                )
    except csv.Error as error:
        raise TableError(_("Ce fichier CSV est mal formé.")) from error
    return Table(kind=CSV, headers=headers or [], rows=rows)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise TableError(_("Ce fichier n'est pas un classeur XLSX lisible.")) from error
    try:
        sheet = workbook.worksheets[0]
        headers: list[str] | None = None
        rows: list[tuple[int, list[Cell]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = _trimmed([_cell(value) for value in values])
            if _blank(cells):
                continue
            if headers is None:
                headers = [str(cell or "") for cell in cells]
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise TableError(
                    _("Plus de %(max)s lignes : divisez le fichier.") % {"max": MAX_ROWS}
                )
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
