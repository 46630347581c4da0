"""Secret tokens in URLs (iCal feeds, operators' links): only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_new() -> tuple[str, str]:
    """A new URL-safe token (to show once) and its digest (to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_short() -> str:
    """A shorter token (128 bits) for links that travel by SMS."""
    return secrets.token_urlsafe(16)
