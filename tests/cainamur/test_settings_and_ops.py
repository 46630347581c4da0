from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from cainamur.embedded_db import connection_url
from cainamur.env import Env
from cainamur.logging import RedactPersonalData, redact

BASE_DIR = Path(settings.BASE_DIR)


class TestEnv:
    def test_booleans(self) -> None:
        env = Env({"A": "yes", "B": "0", "C": "peut-être"})
        assert env.bool("A") is True
        assert env.bool("B") is False
        assert env.bool("MISSING", default=True) is True
        with pytest.raises(ImproperlyConfigured, match="C='peut-être' is not a boolean"):
            env.bool("C")

    def test_integers(self) -> None:
        env = Env({"PORT": "25", "BAD": "vingt", "NEG": "-1"})
        assert env.int("PORT", 587) == 25
        assert env.int("MISSING", 587) == 587
        with pytest.raises(ImproperlyConfigured, match="not a whole number"):
            env.int("BAD", 1)
        with pytest.raises(ImproperlyConfigured, match="at least 0"):
            env.int("NEG", 1, minimum=0)

    def test_required_and_lists_and_urls(self) -> None:
        env = Env({"HOSTS": "a.be, b.be,", "DB": "mysql://x", "EMPTY": "  "})
        assert env.list("HOSTS") == ["a.be", "b.be"]
        with pytest.raises(ImproperlyConfigured, match="EMPTY must be set"):
            env.str("EMPTY", required=True)
        with pytest.raises(ImproperlyConfigured, match="postgres://"):
            env.url("DB", schemes=("postgres",))
        with pytest.raises(ImproperlyConfigured, match="must be one of"):
            Env({"L": "LOUD"}).choice("L", ("INFO", "DEBUG"), "INFO")


PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 30 + "a-long-random-production-secret-key-0123456789",
    "DJANGO_ALLOWED_HOSTS": "cai.example.be",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://cai.example.be",
    "EMAIL_HOST": "smtp.example.be",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CAI_DATA_KEYS": "Yq0sTTK2JYWKZ3DAkK3Lj1kJ0bm0a4t8Sd9l2iyoC6A=",
    "CAI_INDEX_KEY": "an-index-key-of-more-than-thirty-two-random-characters",
}


def _manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.update(extra_env)
    # Same server as the tests, whichever it is (the embedded one or DATABASE_URL).
    env["DATABASE_URL"] = connection_url(settings.DATABASES["default"])
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_a_missing_secret_key() -> None:
    env = dict(PRODUCTION_ENV, DJANGO_SECRET_KEY="")
    result = _manage("check", extra_env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_a_bad_boolean() -> None:
    result = _manage("check", extra_env=dict(PRODUCTION_ENV, DJANGO_DEBUG="oui"))
    assert result.returncode != 0
    assert "DJANGO_DEBUG='oui' is not a boolean" in result.stderr


def test_celery_configuration() -> None:
    from cainamur.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > settings.CELERY_MAX_RETRY_DELAY + app.conf.task_time_limit
    assert (settings.REDIS_URL is None) == settings.CELERY_TASK_ALWAYS_EAGER
    assert "clear-expired-sessions" in app.conf.beat_schedule


def test_clear_expired_sessions_task(db: None) -> None:
    from cainamur.tasks import clear_expired_sessions

    now = timezone.now()
    day = timezone.timedelta(days=1)
    Session.objects.create(session_key="old", session_data="", expire_date=now - day)
    Session.objects.create(session_key="new", session_data="", expire_date=now + day)
    assert clear_expired_sessions.apply().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


class TestHealth:
    def test_ok(self, client: Any, db: None) -> None:
        response = client.get(reverse("health"))
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok" and body["checks"]["database"] == "ok"

    def test_broker_down_is_503(self, client: Any, db: None, settings: Any) -> None:
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
        response = client.get(reverse("health"))
        assert response.status_code == 503
        assert response.json()["checks"]["broker"] == "error"

    def test_says_nothing_else(self, client: Any, db: None) -> None:
        body = json.loads(client.get(reverse("health")).content)
        # The status, the checks, and counts: reads the log could not record, tasks the
        # broker could not take.
        assert set(body) == {"status", "checks", "read_log_failures", "enqueue_failures"}
        assert body["read_log_failures"] == 0 and body["enqueue_failures"] == 0


class TestLogging:
    def test_redacts_personal_data(self) -> None:
        text = "Mail to amina.b@example.org, NRN 85.07.30-033.28 or 85073003328, tel 0471 23 45 67"
        cleaned = redact(text)
        assert "example.org" not in cleaned and "85" not in cleaned and "0471" not in cleaned
        assert "[e-mail]" in cleaned and "[nrn]" in cleaned and "[phone]" in cleaned
        assert redact("Beneficiary 4521 updated (file CAI-2026-00042)") == (
            "Beneficiary 4521 updated (file CAI-2026-00042)"
        )

    def test_filter_rewrites_records_and_tracebacks(self) -> None:
        try:
            raise ValueError("bad value x@y.be")
        except ValueError:
            record = logging.LogRecord(
                "t", logging.ERROR, __file__, 1, "user %s", ("x@y.be",), sys.exc_info()
            )
        assert RedactPersonalData().filter(record)
        assert record.getMessage() == "user [e-mail]"
        assert "x@y.be" not in (record.exc_text or "") and "[e-mail]" in (record.exc_text or "")


def test_connection_url_round_trips_through_dj_database_url() -> None:
    import dj_database_url

    socket = {"USER": "postgres", "HOST": "/tmp/run dir", "PORT": "", "NAME": "cai"}
    parsed = dj_database_url.parse(connection_url(socket, name="other"))
    assert (parsed["HOST"], parsed["NAME"], parsed["USER"]) == ("/tmp/run dir", "other", "postgres")
    tcp = {"USER": "u", "PASSWORD": "p@ss", "HOST": "db.local", "PORT": 5433, "NAME": "cai"}
    parsed = dj_database_url.parse(connection_url(tcp))
    assert (parsed["HOST"], parsed["PORT"], parsed["PASSWORD"]) == ("db.local", 5433, "p@ss")


def test_production_settings_refuse_the_embedded_database() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(PRODUCTION_ENV)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DATABASE_URL must be set outside development mode" in result.stderr


def test_cache_never_shares_the_brokers_redis_database() -> None:
    from cainamur.redis_urls import next_database

    assert next_database("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/1"
    assert next_database("redis://:secret@cache:6380") == "redis://:secret@cache:6380/1"
    assert next_database("rediss://h:6379/14") == "rediss://h:6379/15"
    # A default Redis has databases 0 to 15: the broker on the last one, the cache before.
    assert next_database("redis://127.0.0.1:6379/15") == "redis://127.0.0.1:6379/14"


def test_health_answers_probes_by_ip_address(client: Any, db: None) -> None:
    # Load balancers use the server's address as Host, which ALLOWED_HOSTS does not list.
    response = client.get("/health/", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert client.get("/connexion/", HTTP_HOST="10.1.2.3").status_code == 400


def test_expired_form_shows_a_french_page(db: None) -> None:
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    assert "Ce formulaire a expiré" in response.content.decode()
