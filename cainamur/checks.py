"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.database, deploy=True)
def check_real_database(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if getattr(settings, "USING_EMBEDDED_DATABASE", False):
        return [
            Warning(
                "DATABASE_URL is not set: the embedded development PostgreSQL is in use.",
                hint="Point DATABASE_URL at the production PostgreSQL server.",
                id="cainamur.W001",
            )
        ]
    return []


@register(deploy=True)
def check_broker(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.REDIS_URL:
        return [
            Warning(
                "REDIS_URL is not set: Celery tasks run inside web requests.",
                hint="Set REDIS_URL and run a Celery worker and beat.",
                id="cainamur.W002",
            )
        ]
    return []
