from __future__ import annotations

from django.http import HttpRequest

from cainamur.session_timeout import idle_seconds


def session(_request: HttpRequest) -> dict[str, int]:
    """How long a page may stay idle before the session ends (the warning's timer)."""
    return {"session_idle_seconds": idle_seconds()}
