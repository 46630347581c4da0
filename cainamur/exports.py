"""Exports of the lists (files, paths, orientations, appointments, attestations, call-backs)
as XLSX or CSV, with the filters on screen.

Each app registers, at start-up, a :class:`Source` for each of its lists: which request
parameters it reads, who may export it, and how to build its :class:`Table` for a user
(the list's own scoped queryset, so an export never holds a file the user cannot open).
This module writes the two formats, logs every export (``Export``), and hands exports of
more than ``CAI_EXPORT_SYNC_ROWS`` rows (default 5,000) to a task whose file is offered
for download when ready, then deleted after ``CAI_EXPORT_DAYS``.

Both writers stream: the XLSX is openpyxl's write-only workbook (rows go to a temporary
file as they come, memory stays flat whatever the size), the CSV is written line by line.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cainamur import audit
from cainamur.celery import enqueue, queue_on_commit
from cainamur.models import Export, User
from cainamur.permissions import user_has_role
from cainamur.roles import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

BUILD_TASK = "cainamur.tasks.build_export"

Kind = Literal["text", "date", "datetime", "int", "decimal"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES: dict[str, str] = {Export.Format.XLSX: XLSX_TYPE, Export.Format.CSV: CSV_TYPE}

#: Characters that make a spreadsheet read a cell as a formula (OWASP « CSV injection »).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Control characters a workbook cannot hold (openpyxl refuses them): typed or imported
#: text may carry one; it is dropped rather than failing the whole export.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    header: StrOrPromise
    kind: Kind = "text"
    width: int = 18


@dataclass
class Table:
    """What an export writes: its columns, its rows (an iterator, read once), how many
    rows there are (counted before writing), and the files it holds (for the read log)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    count: int
    files: Callable[[], Iterable[int]] = lambda: ()


@dataclass(frozen=True)
class Source:
    """A list that can be exported."""

    name: str
    label: StrOrPromise
    roles: tuple[Role, ...]
    #: The request parameters the list reads (its filters), in the order people see them.
    params: tuple[str, ...]
    build: Callable[[User, Mapping[str, str]], Table]
    #: How each parameter reads in the export log: (label, value) or None to leave it out
    #: (the search's text is never logged).
    describe: Callable[[User, Mapping[str, str]], list[tuple[str, str]]] = field(
        default=lambda _user, _params: []
    )
    #: The list page that offers it (several sources may share one: the file list offers
    #: files, paths and orientations with the same filters); its own name by default.
    page: str = ""


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.name] = source


def source(name: str) -> Source | None:
    return _sources.get(name)


def may_export(user: User, src: Source) -> bool:
    return user_has_role(user, src.roles)


def offered_on(page: str, user: User) -> list[tuple[str, str]]:
    """The exports a list page offers ``user``: (source, label), for its buttons."""
    return [
        (src.name, str(src.label))
        for src in _sources.values()
        if (src.page or src.name) == page and may_export(user, src)
    ]


def sync_rows() -> int:
    return int(getattr(settings, "CAI_EXPORT_SYNC_ROWS", 5000))


def keep_days() -> int:
    return int(getattr(settings, "CAI_EXPORT_DAYS", 7))


def labels(model: type[Any], field_name: str) -> dict[str, str]:
    """A field's choices as {value: label}, translated once per export: a row's
    ``get_FOO_display()`` translates again for every row (a quarter of a large export)."""
    field_ = model._meta.get_field(field_name)
    return {str(value): str(label) for value, label in field_.flatchoices}


def described_filters(form: Any, *, search: str = "q") -> list[tuple[str, str]]:
    """A bound filter form's values as people read them (label, value): choices by their
    label, dates as dd/mm/yyyy, objects by their name; the search field only says a
    search was made (its text may be a name: never in a log)."""
    if not form.is_bound:
        return []
    form.is_valid()  # a refused value is left out of the list, as it is of the filter
    described: list[tuple[str, str]] = []
    for name, form_field in form.fields.items():
        value = getattr(form, "cleaned_data", {}).get(name)
        if not value:
            continue
        if name == search:
            shown = _("recherche par nom ou numéro")
        elif isinstance(value, date):
            shown = value.strftime("%d/%m/%Y")
        elif isinstance(value, str):
            shown = str(dict(getattr(form_field, "choices", []) or []).get(value, value))
        else:
            shown = str(value)
        described.append((str(form_field.label), shown))
    refused = [str(form.fields[name].label) for name in form.errors if name in form.fields]
    if refused:
        described.append((_("Filtres ignorés (valeur refusée)"), ", ".join(refused)))
    return described


# --- Cells -----------------------------------------------------------------------------------


def safe_text(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (names and remarks are typed by
    people, lists come from communes): such a cell starts with an apostrophe, which Excel
    shows. Control characters are dropped."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    return "'" + text if text[:1] in _FORMULA_START else text


def _csv_cell(value: object, kind: Kind) -> str:
    if value is None or value == "":
        return ""
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind == "datetime" and isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if kind == "decimal" and isinstance(value, Decimal | float | int):
        return f"{value}".replace(".", ",")  # Excel in French reads the decimal comma
    if kind == "int" and isinstance(value, int):
        return str(value)
    return safe_text(value)


def _xlsx_cell(value: object, kind: Kind) -> object:
    if value is None or value == "":
        return None
    if kind == "datetime" and isinstance(value, datetime):
        # Excel has no time zones: the local time people saw on the page.
        return timezone.localtime(value).replace(tzinfo=None)
    if kind in ("date", "int", "decimal") and isinstance(value, date | int | Decimal | float):
        return value
    # Text as it was typed: the writer marks a cell starting with « = » as a string, so a
    # workbook never holds a formula (and shows « +32… » without an apostrophe).
    return _CONTROL.sub("", str(value))


_NUMBER_FORMATS: dict[Kind, str] = {
    "date": "DD/MM/YYYY",
    "datetime": "DD/MM/YYYY HH:MM",
    "decimal": "0.00",
    "int": "0",
}


# --- Writers ---------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV lines: UTF-8 with BOM and semicolons, opens as is in Excel."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([str(c.header) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        yield writer.writerow([_csv_cell(v, k) for v, k in zip(row, kinds, strict=True)])


def write_csv(table: Table, out: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
    written = -1
    for written, line in enumerate(csv_lines(table)):
        out.write(line.encode("utf-8"))
        if progress and written and written % 2000 == 0:
            progress(written)
    return max(written, 0)


def write_xlsx(table: Table, out: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
    """The table as a workbook with typed cells (dates as dates, numbers as numbers), the
    header row frozen and bold, column widths set; written row by row (write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [_NUMBER_FORMATS.get(c.kind) for c in table.columns]
    kinds = [c.kind for c in table.columns]
    styles: dict[str, Any] = {}
    for used in {f for f in formats if f}:
        model = WriteOnlyCell(sheet)
        model.number_format = used
        styles[used] = model._style
    written = 0
    for row in table.rows:
        cells: list[object] = []
        for value, kind, number_format in zip(row, kinds, formats, strict=True):
            value = _xlsx_cell(value, kind)
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            elif number_format and value is not None and not isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                # The style computed once per format and shared: looking a format up for
                # each cell costs a sixth of the export's time.
                cell._style = styles[number_format]
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        written += 1
        if progress and written % 2000 == 0:
            progress(written)
    workbook.save(out)
    return written


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Export"


def write(
    table: Table, fmt: str, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> int:
    if fmt == Export.Format.XLSX:
        return write_xlsx(table, out, progress)
    return write_csv(table, out, progress)


def filename(src: Source, fmt: str, when: datetime | None = None) -> str:
    stamp = timezone.localtime(when or timezone.now()).strftime("%Y-%m-%d")
    return f"{src.name}-{stamp}.{fmt}"


# --- Services --------------------------------------------------------------------------------


#: What a list's form carries that is not one of its filters.
_NOT_FILTERS = frozenset({"csrfmiddlewaretoken", "format", "page", "source", "next", "kind"})
#: Parameters holding a list of ids (the files ticked in a list), kept whole.
ID_LISTS = frozenset({"dossiers"})


def picked(src: Source, data: Mapping[str, str]) -> dict[str, str]:
    """The list's own parameters in ``data`` (the rest of a form is left behind); « * »
    takes every parameter (bounded), for a list whose filters another app defines."""
    if "*" in src.params:
        keys = [key for key in data if key not in _NOT_FILTERS][:40]
    else:
        keys = list(src.params)
    picked: dict[str, str] = {}
    for key in keys:
        if key in ID_LISTS:
            values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key, "")]
            ids = [v for v in ",".join(map(str, values)).split(",") if v.strip().isdigit()]
            if ids:
                picked[key] = ",".join(ids[:5000])
        elif data.get(key):
            picked[key] = str(data[key])[:300]
    return picked


def export_log(
    *, src: Source, fmt: str, params: Mapping[str, str], rows: int, by: User, direct: bool
) -> Export:
    """Record an export; a large one keeps its parameters (encrypted) for the task."""
    with transaction.atomic():
        export = Export.objects.create(
            source=src.name,
            label=str(src.label)[:200],
            format=fmt,
            filters=[list(pair) for pair in src.describe(by, params)],
            query="" if direct else json.dumps(dict(params)),
            rows=rows,
            status=Export.Status.DOWNLOADED if direct else Export.Status.QUEUED,
            progress=100 if direct else 0,
            finished_at=timezone.now() if direct else None,
            requested_by=by,
        )
        audit.record(
            by=by,
            action="cainamur.export",
            summary=_("Export « %(label)s » (%(format)s) : %(rows)s lignes")
            % {"label": src.label, "format": export.get_format_display(), "rows": rows},
            obj=export,
        )
        if not direct:
            queue_on_commit(BUILD_TASK, export.pk)
    return export


def export_build(export_id: int) -> Export | None:
    """Build a queued export's file (the task's body); safe to run twice: only a queued
    export, claimed by a row lock, is built."""
    with transaction.atomic():
        export = (
            Export.objects.select_for_update(skip_locked=True)
            .select_related("requested_by")
            .filter(pk=export_id, status=Export.Status.QUEUED)
            .first()
        )
        if export is None:
            return None
        export.status = Export.Status.RUNNING
        export.save(update_fields=["status"])
    src = source(export.source)
    started = time.monotonic()
    try:
        if src is None:
            raise LookupError(export.source)
        params = json.loads(export.query or "{}")
        table = src.build(export.requested_by, params)
        total = max(table.count, 1)

        def progress(done: int) -> None:
            Export.objects.filter(pk=export.pk).update(progress=min(99, done * 100 // total))

        with tempfile.TemporaryFile() as out:
            rows = write(table, export.format, out, progress)
            out.seek(0)
            export.file.save(filename(src, export.format), File(out), save=False)
    except Exception:
        logger.exception("Export %s could not be built", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED,
            error=_("Le fichier n'a pas pu être préparé. Relancez l'export."),
            finished_at=timezone.now(),
            query="",
        )
        raise
    export.rows = rows
    export.status = Export.Status.READY
    export.progress = 100
    export.finished_at = timezone.now()
    export.seconds = round(time.monotonic() - started, 2)
    export.query = ""  # the search's text is kept no longer than needed
    export.save(
        update_fields=["rows", "status", "progress", "finished_at", "seconds", "query", "file"]
    )
    return export


#: A queued export not started after this long is queued again (a broker that was down, a
#: lost message); a running one past its task's time limit died with its worker.
STALE_QUEUED = timedelta(minutes=3)
STALE_RUNNING = timedelta(minutes=31)


def exports_watch(now: datetime | None = None) -> dict[str, int]:
    """Every minute (beat): queue again the exports still waiting, and fail those whose
    worker died while building them (their page then says to export again)."""
    now = now or timezone.now()
    waiting = list(
        Export.objects.filter(
            status=Export.Status.QUEUED, requested_at__lt=now - STALE_QUEUED
        ).values_list("pk", flat=True)
    )
    for export_id in waiting:
        enqueue(BUILD_TASK, export_id)
    died = Export.objects.filter(
        status=Export.Status.RUNNING, requested_at__lt=now - STALE_RUNNING
    ).update(
        status=Export.Status.FAILED,
        query="",
        finished_at=now,
        error=_("La préparation s'est interrompue. Exportez la liste à nouveau."),
    )
    return {"requeued": len(waiting), "failed": died}


def exports_expire(now: datetime | None = None) -> int:
    """Delete the files of exports older than ``CAI_EXPORT_DAYS`` (they hold personal
    data); the log line stays."""
    limit = (now or timezone.now()) - timedelta(days=keep_days())
    expired = 0
    stale = Export.objects.filter(requested_at__lt=limit).exclude(file="")
    for export in stale.iterator():
        export.file.delete(save=False)
        export.file = ""
        export.status = Export.Status.EXPIRED
        export.query = ""
        export.save(update_fields=["file", "status", "query"])
        expired += 1
    # An export that never finished keeps no parameters either.
    Export.objects.filter(
        requested_at__lt=limit, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]
    ).update(status=Export.Status.FAILED, query="", error=_("Abandonné : trop ancien."))
    return expired
