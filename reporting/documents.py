"""The activity report as it leaves the centre: a PDF (WeasyPrint, through the PDF
pipeline) and an XLSX workbook (a sheet per table). Pure: from the figures to bytes;
every count from 1 to the threshold minus one is shown « < N »."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cainamur.pdf import centre_snapshot, render_pdf
from reporting import charts
from reporting.indicators import Cell, Dashboard, Table
from reporting.suppression import small_cell

HEADER_FILL = PatternFill("solid", fgColor="E3F1F2")


def shown(cell: Cell, limit: int) -> Any:
    """A cell's value as the report prints it: counts hidden when small, hours and days
    as they are."""
    if cell.unit:
        return cell.value
    return small_cell(cell.value, limit=limit)


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip()
    base, n = name, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def workbook(board: Dashboard, *, meta: dict[str, str], limit: int) -> bytes:
    """A sheet « Résumé » (what, for when, for whom, the headline figures), then a sheet
    per table, its columns as in the page."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Résumé")
    lines: list[tuple[str, Any]] = [
        (_("Rapport d'activité"), meta["centre"]),
        (_("Période"), meta["period"]),
        (_("Périmètre"), meta["scope"]),
        (_("Établi le"), meta["generated"]),
        (
            _("Petits effectifs"),
            _("Un effectif de 1 à %(last)s est indiqué « < %(n)s ».")
            % {"last": limit - 1, "n": limit},
        ),
        ("", ""),
    ]
    lines += [(label, shown(cell, limit)) for label, cell in board.headline]
    for row in lines:
        summary.append(list(row))
    summary["A1"].font = Font(bold=True, size=13)
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 60
    taken = {summary.title}
    for section in board.sections:
        for table in section.tables:
            _table_sheet(book, table, taken=taken, limit=limit)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table_sheet(book: Workbook, table: Table, *, taken: set[str], limit: int) -> None:
    sheet = book.create_sheet(_sheet_name(table.title, taken))
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(list(table.columns))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        label = f"    {row.label}" if row.detail else row.label
        sheet.append([label, *(shown(cell, limit) for cell in row.cells)])
        if row.total:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    if not table.rows:
        sheet.append([_("Rien à compter pour cette période.")])
    if table.note:
        sheet.append([])
        sheet.append([table.note])
    sheet.column_dimensions["A"].width = 42
    for index in range(2, len(table.columns) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.freeze_panes = "B3"


def report_pdf(board: Dashboard, *, meta: dict[str, str], limit: int) -> bytes:
    """The report on A4, each section with its tables, charts beside the series, the
    communes and the funnel; counts hidden when small."""
    series = board.series
    drawn = {
        series.key: charts.column_chart(
            [row.label for row in series.rows],
            [
                (str(series.columns[1]), [row.cells[0].value or 0 for row in series.rows]),
                (str(series.columns[2]), [row.cells[1].value or 0 for row in series.rows]),
            ],
            title=_("Personnes reçues et dossiers ouverts"),
        ),
        board.communes.key: charts.bar_chart(
            [
                (row.label, row.cells[0].value or 0)
                for row in board.communes.rows
                if not row.total and row.cells[0].value
            ][:20],
            title=_("Personnes reçues par commune"),
            mask=limit,
        ),
        board.funnel.key: charts.funnel_chart(
            [(row.label, int(row.cells[0].value or 0)) for row in board.funnel.rows],
            title=_("Du premier contact à l'attestation"),
            mask=limit,
        ),
    }
    sections = [
        {
            "title": section.title,
            "tables": [
                {
                    "title": table.title,
                    "columns": table.columns,
                    "note": table.note,
                    "chart": drawn.get(table.key, ""),
                    "rows": [
                        {
                            "label": row.label,
                            "detail": row.detail,
                            "total": row.total,
                            "cells": [_printed(cell, limit) for cell in row.cells],
                        }
                        for row in table.rows
                    ],
                }
                for table in section.tables
            ],
        }
        for section in board.sections
    ]
    context = {
        "centre": centre_snapshot(),
        "meta": meta,
        "limit": limit,
        "headline": [(label, _printed(cell, limit)) for label, cell in board.headline],
        "sections": sections,
    }
    return render_pdf("pdf/activity_report.html", context, stylesheet="report.css")


def _printed(cell: Cell, limit: int) -> str:
    value = shown(cell, limit)
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        text = f"{value:,}".replace(",", "\u202f")
    else:
        text = f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
        text = text.removesuffix(",0")
    return f"{text}\u00a0{cell.unit}" if cell.unit else text


def generated_label(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y %H:%M}"
