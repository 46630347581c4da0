"""Small helpers for views."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import Http404


def int_or_404(data: Mapping[str, object], name: str) -> int:
    """An id from a form or query string, or 404 (never a 500 on a tampered value)."""
    value = str(data.get(name, ""))
    if not value.isdigit():
        raise Http404
    return int(value)
