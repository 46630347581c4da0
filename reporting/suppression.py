"""Small-cell suppression: in a report that leaves the centre, a count from 1 to
``CAI_SMALL_CELL - 1`` is shown as « < 5 » (the setting's value), so that nobody can be
picked out of a table by a small number (a commune, a nationality and an exemption
reason together may describe one person). Zero stays zero: nobody to protect. Staff see
exact figures on screen."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def threshold() -> int:
    return int(settings.CAI_SMALL_CELL)


def suppressed(value: int | Decimal | float | None, *, limit: int | None = None) -> bool:
    """Whether a count is small enough to hide (1 up to the threshold, excluded)."""
    limit = threshold() if limit is None else limit
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < limit


def small_cell(
    value: int | Decimal | float | None, *, limit: int | None = None
) -> int | Decimal | float | str | None:
    """The value as a report leaving the centre shows it: « < 5 » for a count from 1 to
    4 (with the default threshold); anything else as it is. Only whole counts are
    hidden: hours and days are sums, not people."""
    limit = threshold() if limit is None else limit
    if suppressed(value, limit=limit):
        return f"< {limit}"
    return value
