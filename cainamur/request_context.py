"""Each request's id and its user's id, for the logs (``cainamur.logging``).

``RequestIdMiddleware`` (near the top of the stack) takes the reverse proxy's
``X-Request-ID`` when it is a plausible id (nginx sends its ``$request_id``: 32 hex
characters), otherwise makes one, and echoes it in the response: a person reporting a
problem can quote it, and the proxy's, gunicorn's and Django's lines share it.
``UserIdMiddleware`` (after authentication and the second factor) adds the user's id,
never a name. Both live in context variables, which the log filter reads; they are cleared
when the response is closed (after Django's and gunicorn's own lines about the request).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from cainamur.logging import redact, request_id_var, user_id_var

REQUEST_ID_HEADER = "X-Request-ID"
_PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,99}")


def incoming_request_id(value: str | None) -> str | None:
    """The proxy's id when it is one: letters, digits, dots, dashes, underscores, 8 to 100
    characters, and nothing the log filter would take for personal data."""
    if not value or not _PLAUSIBLE_ID.fullmatch(value) or redact(value) != value:
        return None
    return value


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
        request_id = request_id or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        request_id_var.set(request_id)
        user_id_var.set(None)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class UserIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(user.pk)
        return self.get_response(request)


@receiver(request_finished, dispatch_uid="cainamur.request_context.clear")
def clear_request_context(**kwargs: Any) -> None:
    request_id_var.set(None)
    user_id_var.set(None)
