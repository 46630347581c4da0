"""gunicorn's settings (read from the working directory): the access log names the path
only, never the query string (the admin's searches are GETs with names and numbers), nor
the referrer (a previous page's query string) or the user agent.

Production: ``gunicorn --config gunicorn.conf.py cainamur.wsgi`` from the project's folder
(``deploy/systemd/cainamur-web.service``). Anything here can be overridden on the command
line or in ``GUNICORN_CMD_ARGS`` (``--bind 0.0.0.0:8000 --workers 5``).
"""

import os
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess

bind = "127.0.0.1:8000"
# Sync workers: one request at a time each, so a slow page never delays another in the same
# worker. One per core and one more: the pages are CPU-bound (PostgreSQL shares the cores),
# so more workers only queue on the CPU — `python -m bench.load --sweep` on two cores
# (2026-12-01): 2 workers 80 req/s, 3 workers 75, 4 workers 73, 2×4 threads 69, 3×4 threads
# 69 (p95 500 ms).
workers = min((os.cpu_count() or 1) + 1, 8)
# A request still running after this is stopped (the proxy waits a little longer).
timeout = 60
graceful_timeout = 30
keepalive = 5
# Each worker is replaced after about a thousand requests: memory stays flat.
max_requests = 1000
max_requests_jitter = 100
# Managed by signals (systemd: reload = HUP, stop = TERM); no control socket in $HOME, which
# two instances on one machine would share.
control_socket_disable = True
# The workers' heartbeat files (gunicorn's own, not data) never wait for a disk.
SHARED_MEMORY = "/dev/shm"  # noqa: S108
if os.access(SHARED_MEMORY, os.W_OK):
    worker_tmp_dir = SHARED_MEMORY

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
accesslog = "-"

# Production logs are JSON lines (CAI_LOG_FORMAT, as in cainamur/settings.py): gunicorn's
# own lines too, with the same filters (request id, redaction) as Django's.
_DEBUG = os.environ.get("DJANGO_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
if os.environ.get("CAI_LOG_FORMAT", "plain" if _DEBUG else "json") == "json":
    _handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["context", "redact"],
        "stream": "ext://sys.stderr",
    }
    # The JSON formatter takes each field from gunicorn's atoms, the request id included
    # (kept out of the line itself, which the redacting filter reads).
    access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": "cainamur.logging.RedactPersonalData"},
            "context": {"()": "cainamur.logging.RequestContext"},
        },
        "formatters": {"json": {"()": "cainamur.logging.JsonFormatter"}},
        "handlers": {"json": _handler},
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["json"], "propagate": False},
        },
    }


def on_starting(server: Any) -> None:  # noqa: ARG001 - gunicorn's hook signature
    """Metrics of several workers (PROMETHEUS_MULTIPROC_DIR): start from an empty folder,
    or a previous run's counts would be added to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:  # noqa: ARG001
    """A worker that ended: its live gauges leave the metrics (counters are kept)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
