"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from cainamur.crypto import fernet
from cainamur.metrics import networks

MIN_INDEX_KEY_LENGTH = 32


# Django calls checks with the keyword app_configs=: they keep that name, unused here.
@register(deploy=True)
def check_broker(app_configs: Any = None, **kwargs: Any) -> list[Warning]:  # noqa: ARG001
    if not settings.REDIS_URL:
        return [
            Warning(
                "REDIS_URL is not set: Celery tasks run inside web requests.",
                hint="Set REDIS_URL and run a Celery worker and beat.",
                id="cainamur.W002",
            )
        ]
    return []


@register()
def check_outbox_timing(app_configs: Any = None, **kwargs: Any) -> list[Error]:  # noqa: ARG001
    """A copy (or a PDF) is re-queued as "stuck" only when no live task can still be
    sending (or rendering) it: the delay is longer than those tasks' hard time limit."""
    limit = max(settings.OUTBOX_SEND_TIME_LIMITS[1], settings.PDF_TASK_TIME_LIMITS[1])
    if limit >= settings.OUTBOX_STALE_MINUTES * 60:
        return [
            Error(
                "CAI_OUTBOX_STALE_MINUTES must be longer than the time limit of sending a "
                f"message or rendering a document ({limit} seconds): a copy still being "
                "sent would be sent twice.",
                id="cainamur.E003",
            )
        ]
    return []


@register()
def check_data_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:  # noqa: ARG001
    """The keys of protection at rest are readable Fernet keys, and none is SECRET_KEY."""
    errors = []
    try:
        fernet()
    except ImproperlyConfigured as error:
        errors.append(Error(str(error), id="cainamur.E004"))
    if settings.SECRET_KEY in (*settings.CAI_DATA_KEYS, settings.CAI_INDEX_KEY):
        errors.append(
            Error(
                "CAI_DATA_KEYS and CAI_INDEX_KEY must not reuse DJANGO_SECRET_KEY.",
                id="cainamur.E005",
            )
        )
    return errors


@register(deploy=True)
def check_index_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:  # noqa: ARG001
    if len(settings.CAI_INDEX_KEY) < MIN_INDEX_KEY_LENGTH:
        return [
            Error(
                f"CAI_INDEX_KEY must hold at least {MIN_INDEX_KEY_LENGTH} random characters.",
                id="cainamur.E006",
            )
        ]
    return []


@register()
def check_metrics_access(app_configs: Any = None, **kwargs: Any) -> list[Error]:  # noqa: ARG001
    """``CAI_METRICS_ALLOWED_IPS`` holds addresses or networks; the token is not guessable."""
    errors = []
    try:
        networks(settings.CAI_METRICS_ALLOWED_IPS)
    except ValueError as error:
        errors.append(
            Error(
                f"CAI_METRICS_ALLOWED_IPS: {error} (e.g. 10.0.0.5,10.1.0.0/24).", id="cainamur.E008"
            )
        )
    token = settings.CAI_METRICS_TOKEN
    if token and len(token) < MIN_INDEX_KEY_LENGTH:
        errors.append(
            Error(
                f"CAI_METRICS_TOKEN must hold at least {MIN_INDEX_KEY_LENGTH} random characters.",
                id="cainamur.E009",
            )
        )
    return errors


@register(Tags.database)
def check_cache_table(
    app_configs: Any = None,  # noqa: ARG001
    databases: Any = None,
    **kwargs: Any,
) -> list[Warning]:
    """Without Redis, production keeps the cache (rate limits, counters) in PostgreSQL, in a
    table `manage.py createcachetable` creates (run by `migrate`'s checks, among others)."""
    backend, table = (str(settings.CACHES["default"].get(key)) for key in ("BACKEND", "LOCATION"))
    if not databases or not backend.endswith("DatabaseCache"):
        return []
    if table in connection.introspection.table_names():
        return []
    return [
        Warning(
            f"The cache table {table} does not exist: rate limits will fail.",
            hint="Run `python manage.py createcachetable` (part of each release).",
            id="cainamur.W007",
        )
    ]
