"""Small helpers for views."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

#: Ids never have more digits than a bigint.
ID_MAX_DIGITS = 18


def is_id(value: str) -> bool:
    """Whether a value from a form or query string is an id: ASCII digits only (``str.isdigit``
    also accepts « ² » or « ١٢ », which ``int`` refuses or reads), not too long."""
    return value.isascii() and value.isdigit() and len(value) <= ID_MAX_DIGITS


def int_or_404(data: Mapping[str, object], name: str) -> int:
    """An id from a form or query string, or 404 (never a 500 on a tampered value)."""
    value = str(data.get(name, ""))
    if not is_id(value):
        raise Http404
    return int(value)


class SecurityHeadersMiddleware:
    """Headers every response carries: the Permissions-Policy; and for a logged-in person,
    ``Cache-Control: no-store, private`` (no page of a file stays in a shared cache or in
    the browser's history cache after logout)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store, private"
        return response
