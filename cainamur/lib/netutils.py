"""The client's address, behind the configured number of trusted reverse proxies.

Each trusted proxy appends the address it received the request from to
``X-Forwarded-For``; whatever the client itself put there comes first and is not to be
believed. With ``CAI_PROXY_COUNT`` = n, the client is therefore the n-th entry from the
right (the one the outermost trusted proxy added); with 0, ``REMOTE_ADDR``. The login
lockout (django-axes), the rate limits (django-ratelimit) and the operators' submissions
all read it here.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

NO_ADDRESS = "0.0.0.0"  # noqa: S104 - not a bind address: "unknown"


def _valid(candidate: str) -> str | None:
    candidate = candidate.strip()
    if candidate.startswith("[") and "]" in candidate:  # "[2001:db8::1]:443"
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # "203.0.113.7:51234"
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def trusted_client_ip(meta: dict[str, object], proxy_count: int) -> str:
    """The address the outermost trusted proxy saw (pure: for the tests)."""
    remote = _valid(str(meta.get("REMOTE_ADDR") or "")) or NO_ADDRESS
    if proxy_count <= 0:
        return remote
    entries = [e for e in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if e.strip()]
    if len(entries) < proxy_count:
        return remote  # the proxies did not add what they should: trust only the socket
    return _valid(entries[-proxy_count]) or remote


def client_ip(request: HttpRequest, *_args: object) -> str:
    """The client's address for this request (``CAI_PROXY_COUNT`` trusted proxies). Extra
    arguments are accepted: django-axes passes the request only, django-ratelimit
    (``RATELIMIT_IP_META_KEY``) the request too."""
    return trusted_client_ip(request.META, settings.PROXY_COUNT)
