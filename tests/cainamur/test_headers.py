"""Headers every page sends (issue 12, findings 8 and 9): a strict Content-Security-Policy,
a Permissions-Policy, and ``no-store`` for a logged-in person; and no template carries an
inline script or handler the policy would block."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse

from cainamur.models import User

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_every_page_sends_the_policies(client: Any, login_client: Any, caseworker: User) -> None:
    for response in (
        client.get(reverse("login")),
        login_client(caseworker).get(reverse("home-caseworker")),
    ):
        csp = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "camera=()" in response["Permissions-Policy"]


def test_logged_in_pages_are_never_cached(login_client: Any, caseworker: User) -> None:
    client = login_client(caseworker)
    for url in (reverse("home-caseworker"), reverse("beneficiaries:list")):
        assert client.get(url)["Cache-Control"] == "no-store, private"


def test_no_template_has_an_inline_script_or_handler() -> None:
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "pdf" in path.parts:  # documents are rendered by WeasyPrint, not a browser
            continue
        text = path.read_text()
        if handler.search(text) or inline_script.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_the_access_log_never_carries_a_query_string() -> None:
    config: dict[str, Any] = {}
    exec((Path(settings.BASE_DIR) / "gunicorn.conf.py").read_text(), config)
    log_format = config["access_log_format"]
    assert "%(U)s" in log_format  # the path
    # The one header it names is the request id the application answers with.
    log_format = log_format.replace("%({x-request-id}o)s", "")
    for leaky in ("%(r)s", "%(q)s", "%(f)s", "%(a)s", "%({"):
        assert leaky not in log_format, leaky


def test_the_national_number_is_not_an_admin_search_field() -> None:
    from django.contrib import admin

    from beneficiaries.models import Beneficiary

    assert "national_number" not in admin.site._registry[Beneficiary].search_fields


def test_staff_passwords_are_long_and_not_common(db: None) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("Court-2026", "password1234", "123456789012"):
        try:
            validate_password(weak)
        except ValidationError:
            continue
        raise AssertionError(weak)
    validate_password("Une-phrase-de-passe-2026")
