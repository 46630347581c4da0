"""Charts drawn on the server as SVG: no script, no third party, the same on screen, on
paper and in the PDF report. Pure functions from figures to markup; every chart has its
table beside it (the table is what a screen reader reads: the SVG is one labelled image).

Colours are dark enough to print in grey, and the series differ by pattern too.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import count

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

#: Two series and a highlight, readable in colour and in grey.
COLOURS = ("#0f6b74", "#b45309", "#1f2a37")
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
_ids = count(1)

Value = int | Decimal | float


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _number(value: Value) -> str:
    if isinstance(value, Decimal | float):
        return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    return f"{value:,}".replace(",", "\u202f")


def _shown(value: Value, mask: int) -> str:
    """A value as a chart prints it: « < 5 » for a small count when the chart leaves the
    centre (``mask``: the threshold, 0 to show every value)."""
    if mask and isinstance(value, int) and 0 < value < mask:
        return f"< {mask}"
    return _number(value)


def _frame(width: int, height: int, title: str, description: str, body: str) -> SafeString:
    ident = _id("chart")
    return format_html(
        '<svg class="cai-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{i}-t {i}-d" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg" style="{font};max-height:{h}px">'
        '<title id="{i}-t">{title}</title><desc id="{i}-d">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        i=ident,
        font=FONT,
        title=title,
        desc=description,
        body=mark_safe(body),  # noqa: S308 - built below from escaped pieces only
    )


def bar_chart(
    items: Sequence[tuple[str, Value]],
    *,
    title: str,
    unit: str = "",
    width: int = 480,
    mask: int = 0,
) -> SafeString:
    """Horizontal bars, in the order given (sort before: the largest first)."""
    if not items:
        return SafeString("")
    bar, gap, label_width, value_width = 16, 6, 150, 56
    height = len(items) * (bar + gap) + gap
    most = max((float(value) for _label, value in items), default=0) or 1
    room = width - label_width - value_width
    parts: list[str] = []
    for n, (label, value) in enumerate(items):
        y = gap + n * (bar + gap)
        length = max(1.0, room * float(value) / most) if value else 0
        shown = escape(label if len(label) <= 24 else label[:23] + "…")
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar - 4}" text-anchor="end" '
            f'font-size="12" fill="#1f2a37">{shown}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{COLOURS[0]}" rx="2"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar - 4}" font-size="12" '
            f'fill="#1f2a37">{escape(_shown(value, mask))}{escape(unit)}</text>'
        )
    description = "; ".join(f"{label} : {_shown(value, mask)}{unit}" for label, value in items)
    return _frame(width, height, title, description, "".join(parts))


def column_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value]]],
    *,
    title: str,
    width: int = 560,
) -> SafeString:
    """Grouped columns, one group per label (a month, a week), one column per series,
    with a legend; the second series is hatched so that it reads on paper in grey."""
    if not labels or not series:
        return SafeString("")
    top, bottom, left, legend = 12, 34, 34, 22
    plot_height = 170
    height = top + plot_height + bottom + legend
    most = max((float(v) for _name, values in series for v in values), default=0) or 1
    step = (width - left - 4) / len(labels)
    column = max(2.0, min(18.0, (step - 4) / len(series)))
    hatch = _id("hatch")
    parts = [
        f'<defs><pattern id="{hatch}" width="4" height="4" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff"/>'
        f'<rect width="2" height="4" fill="{COLOURS[1]}"/></pattern></defs>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 2}" y2="{top + plot_height}" '
        'stroke="#5b6675" stroke-width="1"/>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" font-size="11" '
        f'fill="#5b6675">{escape(_number(int(most)))}</text>',
        f'<text x="{left - 4}" y="{top + plot_height}" text-anchor="end" font-size="11" '
        'fill="#5b6675">0</text>',
    ]
    every = -(-len(labels) // 12)  # at most twelve labels under the axis
    for n, label in enumerate(labels):
        x0 = left + n * step + (step - column * len(series)) / 2
        for s, (_name, values) in enumerate(series):
            value = float(values[n]) if n < len(values) else 0
            h = plot_height * value / most
            fill = f"url(#{hatch})" if s % 2 else COLOURS[0]
            stroke = f' stroke="{COLOURS[1]}" stroke-width="1"' if s % 2 else ""
            parts.append(
                f'<rect x="{x0 + s * column:.1f}" y="{top + plot_height - h:.1f}" '
                f'width="{column - 1:.1f}" height="{h:.1f}" fill="{fill}"{stroke}/>'
            )
        if n % every == 0:
            parts.append(
                f'<text x="{left + n * step + step / 2:.1f}" y="{top + plot_height + 16}" '
                f'text-anchor="middle" font-size="11" fill="#1f2a37">{escape(label)}</text>'
            )
    y = height - 8
    x = left
    for s, (name, _values) in enumerate(series):
        fill = f"url(#{hatch})" if s % 2 else COLOURS[0]
        stroke = f' stroke="{COLOURS[1]}"' if s % 2 else ""
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{fill}"{stroke}/>'
            f'<text x="{x + 16}" y="{y}" font-size="12" fill="#1f2a37">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    description = "; ".join(
        f"{name} : "
        + ", ".join(f"{label} {_number(v)}" for label, v in zip(labels, values, strict=False))
        for name, values in series
    )
    return _frame(width, height, title, description, "".join(parts))


def funnel_chart(
    stages: Sequence[tuple[str, int]], *, title: str, width: int = 480, mask: int = 0
) -> SafeString:
    """Centred bars narrowing from the first stage, each with its number and its share of
    the first."""
    if not stages:
        return SafeString("")
    bar, gap = 30, 8
    height = len(stages) * (bar + gap) + gap
    first = stages[0][1] or 1
    parts: list[str] = []
    for n, (label, value) in enumerate(stages):
        y = gap + n * (bar + gap)
        length = max(2.0, (width - 8) * value / first) if value else 2.0
        x = (width - length) / 2
        share = round(100 * value / first) if stages[0][1] else 0
        if mask and 0 < value < mask:  # a share would give the small count away
            text = _("%(label)s : %(value)s") % {"label": label, "value": _shown(value, mask)}
        else:
            text = _("%(label)s : %(value)s (%(share)s %%)") % {
                "label": label,
                "value": _number(value),
                "share": share,
            }
        colour = COLOURS[2] if n == len(stages) - 1 and n else COLOURS[0]
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{colour}" fill-opacity="{1 - 0.12 * n:.2f}" rx="3"/>'
            f'<text x="{width / 2}" y="{y + bar / 2 + 5}" text-anchor="middle" font-size="13" '
            f'fill="#fff" stroke="#1f2a37" stroke-width="2.5" paint-order="stroke">'
            f"{escape(text)}</text>"
        )
    description = "; ".join(f"{label} : {_shown(value, mask)}" for label, value in stages)
    return _frame(width, height, title, description, "".join(parts))
