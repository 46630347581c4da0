from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def next_database(url: str) -> str:
    """The same Redis server, the next database index (``redis://h:6379/0`` -> ``/1``)."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    index = int(path) if path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{index + 1}"))
