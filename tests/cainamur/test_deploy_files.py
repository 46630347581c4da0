"""The deployment files in deploy/ (docs/operations.md) agree with the application: the
units restart, run as the dedicated user with the environment file and hardening, give a
stopping worker its tasks' time; nginx passes the headers the application believes, allows
the upload size and waits longer than gunicorn; the environment example names every
variable the settings read."""

from __future__ import annotations

import re
from configparser import ConfigParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DEPLOY = BASE_DIR / "deploy"
UNITS = (
    "cainamur-web@.service",
    "cainamur-worker.service",
    "cainamur-beat.service",
    "cainamur-backup.service",
)


def unit(name: str) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def gunicorn_config() -> dict[str, Any]:
    config: dict[str, Any] = {}
    exec((BASE_DIR / "gunicorn.conf.py").read_text(), config)
    return config


def seconds(value: str) -> int:
    return int(value.removesuffix("s"))


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_runs_hardened_as_the_dedicated_user(name: str) -> None:
    service = unit(name)["Service"]
    assert service["User"] == service["Group"] == "cainamur"
    assert service["EnvironmentFile"] == "/etc/cainamur/cainamur.env"
    assert service["WorkingDirectory"] == "/srv/cainamur/current"
    for option, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "ReadWritePaths": "/var/lib/cainamur",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[option] == value, (name, option)
    if service["Type"] != "oneshot":
        assert service["Restart"] == "always"


def test_web_worker_and_beat_commands() -> None:
    web = unit("cainamur-web@.service")["Service"]
    assert (
        "gunicorn --config gunicorn.conf.py --bind 127.0.0.1:%i cainamur.wsgi" in web["ExecStart"]
    )
    web_text = (DEPLOY / "systemd" / "cainamur-web@.service").read_text()
    assert "\nEnvironment=PROMETHEUS_MULTIPROC_DIR=/run/cainamur-web-%i\n" in web_text
    assert web["RuntimeDirectory"] == "cainamur-web-%i"
    assert seconds(web["TimeoutStopSec"]) > gunicorn_config()["graceful_timeout"]
    worker = unit("cainamur-worker.service")["Service"]
    assert "celery -A cainamur worker" in worker["ExecStart"]
    # A stopping worker finishes the task under way (its hard limit) before being killed.
    assert seconds(worker["TimeoutStopSec"]) > settings.CELERY_TASK_TIME_LIMIT
    beat = unit("cainamur-beat.service")["Service"]
    assert "celery -A cainamur beat" in beat["ExecStart"]
    assert "--schedule=/var/lib/cainamur/" in beat["ExecStart"]  # the code is read-only
    backup = unit("cainamur-backup.service")["Service"]
    assert "manage.py backup --keep" in backup["ExecStart"]
    timer = unit("cainamur-backup.timer")["Timer"]
    assert timer["Persistent"] == "true"


def test_nginx_passes_what_the_application_believes() -> None:
    conf = (DEPLOY / "nginx" / "cainamur.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf
    body = re.search(r"client_max_body_size (\d+)m;", conf)
    assert body and int(body.group(1)) > settings.CAI_UPLOAD_MAX_MB
    read = re.search(r"proxy_read_timeout (\d+)s;", conf)
    assert read and int(read.group(1)) > gunicorn_config()["timeout"]
    assert re.search(r"location ~ \^/metrics/\?\$ \{\s*return 404;", conf)
    # Its access log names the path, never the query string.
    log_format = conf.split("log_format", 1)[1].split(";", 1)[0]
    assert (
        "$uri" in log_format and "$request_uri" not in log_format and "$request " not in log_format
    )
    for port in ("8001", "8002"):
        assert f"server 127.0.0.1:{port}" in conf


def test_the_environment_example_is_complete_and_current() -> None:
    read = set(
        re.findall(
            r'env\.[a-z_]+\(\s*"([A-Z0-9_]+)"', (BASE_DIR / "cainamur/settings.py").read_text()
        )
    )
    example = (DEPLOY / "cainamur.env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    # What production refuses to start without, and what operations need.
    required = {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "CAI_DATA_KEYS",
        "CAI_INDEX_KEY",
        "DATABASE_URL",
        "EMAIL_HOST",
        "REDIS_URL",
        "CAI_BACKUP_KEYS",
        "CAI_METRICS_TOKEN",
    }
    assert required <= named
    # Nothing it names is unknown to the settings (boto3 reads the AWS ones).
    assert sorted(name for name in named - read if not name.startswith("AWS_")) == []
