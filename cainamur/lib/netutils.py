"""The client's address, behind the configured number of reverse proxies."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str:
    """The client's address as the configured proxies report it (``CAI_PROXY_COUNT``),
    read the same way as the login throttling does."""
    ip, _routable = get_client_ip(
        request,
        proxy_count=settings.PROXY_COUNT or None,
        request_header_order=settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
    )
    return ip or str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104 - no address
