"""The health endpoint for load balancers.

Answered by a middleware placed first, before the host check and the HTTPS redirect:
probes come by IP address and over plain HTTP. It reveals nothing but "ok" or "error",
counts, and the age of the oldest worker heartbeat (no worker names).

``status`` is ``error`` (503) when the database, the keys or the broker fail: this web
process cannot serve. It is ``degraded`` (200: the pages work; alert on it) when a Celery
worker's heartbeat is stale or no worker is heard of: PDFs and mail wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from cainamur import reads, workers
from cainamur.celery import app as celery_app
from cainamur.crypto import keys_read_stored_data

logger = logging.getLogger(__name__)

HEALTH_PATH = "/health/"


@login_not_required
@never_cache
def health(request: HttpRequest) -> JsonResponse:  # noqa: ARG001 - a Django view
    """For load balancers: 200 when the database (and the broker, if configured) answer."""
    checks: dict[str, str] = {}
    healthy = True
    degraded = False
    counts: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        # The keys of protection at rest read what is stored (a wrong key would break
        # every file page).
        if keys_read_stored_data() is False:
            logger.error("Health check: CAI_DATA_KEYS cannot decrypt the stored data")
            checks["data_keys"] = "error"
            healthy = False
        else:
            checks["data_keys"] = "ok"
        if not celery_app.conf.task_always_eager:  # tasks go to workers through a broker
            ages = workers.heartbeat_ages()
            checks["workers"] = workers.workers_check(ages)
            degraded = checks["workers"] != "ok"
            counts["workers"] = {
                "count": len(ages),
                "stale": sum(1 for age in ages.values() if age > workers.stale_after()),
                "oldest_heartbeat_seconds": round(max(ages.values()), 1) if ages else None,
            }
        # Tasks the broker could not take (the actions were committed; the watches queue
        # the work again): a count, not a failure.
        counts["enqueue_failures"] = workers.enqueue_failures()
    except Exception:
        logger.exception("Health check: database unreachable")
        checks["database"] = "error"
        checks.setdefault("workers", "unknown")  # their heartbeats are in the database
        healthy = False
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
            )
            client.ping()
            checks["broker"] = "ok"
        except Exception:
            logger.exception("Health check: broker unreachable")
            checks["broker"] = "error"
            healthy = False
    else:
        checks["broker"] = "not configured"
    if celery_app.conf.task_always_eager:
        checks["workers"] = "not configured"  # tasks run in the web process
    # Reads the log could not record (the pages were served): a count, not a failure.
    return JsonResponse(
        {
            "status": "error" if not healthy else "degraded" if degraded else "ok",
            "checks": checks,
            "read_log_failures": reads.failures(),
            **counts,
        },
        status=200 if healthy else 503,
    )


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)
