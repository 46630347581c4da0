"""Structured logs (cainamur/logging.py, cainamur/request_context.py): in production one
JSON object a line, with the request id (the proxy's X-Request-ID when plausible, else a
new one, echoed in the response) and the user's id, never a name; e-mail addresses,
register and phone numbers masked as before."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from cainamur.logging import JsonFormatter, RedactPersonalData, RequestContext
from cainamur.models import User
from cainamur.request_context import incoming_request_id
from tests.cainamur.test_settings_and_ops import PRODUCTION_ENV, _manage


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What Django's request logger writes through the production handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContext())
    handler.addFilter(RedactPersonalData())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_response_carries_a_new_request_id(client: Client, db: None) -> None:
    first = client.get("/connexion/")["X-Request-ID"]
    second = client.get("/connexion/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/health/")["X-Request-ID"])


def test_the_proxys_request_id_is_kept_when_plausible(client: Client, db: None) -> None:
    nginx = "4f1c0a9e2b7d4c1e8a3f5b6c7d8e9f00"
    assert client.get("/connexion/", HTTP_X_REQUEST_ID=nginx)["X-Request-ID"] == nginx
    for implausible in (
        "x",
        "a b c d e f g h",
        "amina@example.org-123",
        "<script>abcdef",
        "9" * 120,
    ):
        answered = client.get("/connexion/", HTTP_X_REQUEST_ID=implausible)["X-Request-ID"]
        assert answered != implausible and re.fullmatch(r"[0-9a-f]{32}", answered)
    # Nothing the log filter would take for a register or phone number.
    assert incoming_request_id("85.07.30-033.28") is None
    assert incoming_request_id("0471234567") is None


def test_a_logged_request_names_its_id_and_user_id(
    login_client: Any, caseworker: User, json_lines: io.StringIO
) -> None:
    client = login_client(caseworker)
    response = client.get("/dossiers/999999999/", HTTP_X_REQUEST_ID="req-from-nginx-0001")
    assert response.status_code == 404
    (line,) = records(json_lines)
    assert line["logger"] == "django.request" and line["level"] == "WARNING"
    assert line["request_id"] == "req-from-nginx-0001"
    assert line["user_id"] == caseworker.pk
    assert "Claire" not in json.dumps(line) and caseworker.username not in json.dumps(line)
    # Django's record carries the request (with its query string): never written out.
    assert set(line) == {"time", "level", "logger", "message", "request_id", "user_id", "task_id"}


def test_anonymous_requests_have_no_user_id(
    client: Client, db: None, json_lines: io.StringIO
) -> None:
    client.get("/nulle-part/", HTTP_X_REQUEST_ID="req-anonymous-0002")
    (line,) = records(json_lines)
    assert line["request_id"] == "req-anonymous-0002" and line["user_id"] is None


def test_the_formatter_redacts_and_keeps_only_its_fields() -> None:
    try:
        raise ValueError("bad value amina@example.org")
    except ValueError:
        record = logging.LogRecord(
            "beneficiaries",
            logging.ERROR,
            __file__,
            1,
            "tel %s, NRN %s",
            ("0471 23 45 67", "85073003328"),
            sys.exc_info(),
        )
    record.request = object()  # an extra: left out
    RequestContext().filter(record)
    RedactPersonalData().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "tel [phone], NRN [nrn]"
    assert "[e-mail]" in line["exc_info"] and "example.org" not in line["exc_info"]
    assert line["time"].endswith("+00:00") and line["level"] == "ERROR"
    assert "request" not in line


def test_gunicorns_access_lines_become_fields() -> None:
    atoms = {
        "h": "127.0.0.1",
        "m": "GET",
        "U": "/dossiers/12/",
        "s": "200",
        "B": 5120,
        "M": 37,
        "{x-request-id}o": "4f1c0a9e2b7d4c1e8a3f5b6c7d8e9f00",
    }
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(m)s %(U)s", (atoms,), None
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /dossiers/12/ 200"
    assert (line["method"], line["path"], line["status"], line["bytes"], line["duration_ms"]) == (
        "GET",
        "/dossiers/12/",
        200,
        5120,
        37,
    )
    assert line["request_id"] == "4f1c0a9e2b7d4c1e8a3f5b6c7d8e9f00"


def test_production_settings_write_json_lines() -> None:
    code = "import logging; logging.getLogger('beneficiaries').warning('Envoi à %s', 'a@b.be')"
    result = _manage("shell", "-c", code, extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in result.stderr.splitlines() if text.startswith("{")]
    assert line["message"] == "Envoi à [e-mail]" and line["logger"] == "beneficiaries"
    plain = _manage("shell", "-c", code, extra_env=dict(PRODUCTION_ENV, CAI_LOG_FORMAT="plain"))
    assert "WARNING beneficiaries Envoi à [e-mail]" in plain.stderr
