"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


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
