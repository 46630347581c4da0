"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from cainamur.crypto import fernet

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
    """A copy is re-queued as "stuck" only when no live task can still be sending it."""
    if settings.OUTBOX_STALE_MINUTES * 60 <= settings.CELERY_TASK_TIME_LIMIT:
        return [
            Error(
                "CAI_OUTBOX_STALE_MINUTES must be longer than the task time limit "
                f"({settings.CELERY_TASK_TIME_LIMIT // 60} minutes): a copy still being "
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
