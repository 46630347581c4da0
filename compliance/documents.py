"""The non-compliance report as PDF: a pure function of its snapshot."""

from __future__ import annotations

from typing import Any

from cainamur.pdf import render_pdf


def report_pdf(snapshot: dict[str, Any]) -> bytes:
    return render_pdf("pdf/noncompliance.html", {**snapshot, "snapshot": snapshot})
