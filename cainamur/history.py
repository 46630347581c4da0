"""django-pghistory's request context, without secrets."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, resolve
from pghistory.middleware import HistoryMiddleware as PgHistoryMiddleware


class HistoryMiddleware(PgHistoryMiddleware):
    """Raw history rows carry the user and the address of the request that wrote them;
    an address that holds a secret (an operator's reporting link, an iCal feed, a password
    reset) is recorded by its route, never with the token itself."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return context
        if "token" in match.kwargs:
            context["url"] = "/" + match.route
        return context
