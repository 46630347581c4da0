"""The dashboard's figures in a template: formatted (thin-space thousands, a comma for
decimals, hidden when small in a report leaving the centre) and linked to their files."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from reporting.drilldown import drill_url as url_of
from reporting.drilldown import may_follow
from reporting.indicators import Cell, Drill, Row, Table
from reporting.suppression import small_cell

register = template.Library()


def _format(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal | float):
        text = f"{value:,.1f}" if value != int(value) else f"{int(value):,}"
        return text.replace(",", "\u202f").replace(".", ",")
    return f"{value:,}".replace(",", "\u202f")


@register.filter
def figure(cell: Cell, mask: int = 0) -> str:
    """A cell as shown: « < 5 » for a small count when ``mask`` (the threshold) is set."""
    shown: Any = cell.value
    if mask and not cell.unit:
        shown = small_cell(cell.value, limit=mask)
    text = _format(shown)
    if cell.unit and cell.value is not None:
        text = f"{text}\u00a0{cell.unit}"
    return text


@register.simple_tag(takes_context=True)
def drill_url(context: dict[str, Any], drill: Drill | None) -> str:
    """The file list behind a figure; empty when the figure has no files to show (none
    behind it, or a list the user may not read)."""
    if drill is None:
        return ""
    user = context["request"].user
    if not may_follow(drill, user):
        return ""
    return url_of(drill, context["pilotage_base"])


@register.filter
def cells_with(row: Row, table: Table) -> list[tuple[str, Cell]]:
    """A row's cells with the heading of their column (said before each value on a
    phone, where the table becomes one block per row)."""
    return list(zip(table.columns[1:], row.cells, strict=False))
