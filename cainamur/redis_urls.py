from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

#: A Redis server has 16 databases unless configured otherwise (``databases`` in redis.conf).
LAST_DEFAULT_DATABASE = 15


def next_database(url: str) -> str:
    """The same Redis server, another database index for the cache: the next one
    (``redis://h:6379/0`` -> ``/1``), or the one before when the broker uses the last one
    a default server has (``/15`` -> ``/14``; ``/16`` would not exist)."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    index = int(path) if path.isdigit() else 0
    other = index - 1 if index >= LAST_DEFAULT_DATABASE else index + 1
    return urlunsplit(parts._replace(path=f"/{other}"))
