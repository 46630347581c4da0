"""Playwright harness driving Debian's Chromium (``/usr/bin/chromium``).

Playwright cannot download its own browsers here, so it is pointed at the system one.
Without Chromium the browser tests are skipped on a developer machine, but fail when
``CAI_REQUIRE_BROWSER=1`` (set by ``.ci/run``): CI never silently skips them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _reference_data(reference_data: None) -> None:
    """Browser tests run in real transactions: reload the reference data after a flush."""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CAI_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, locale="fr-BE", viewport={"width": 1366, "height": 860}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Every journey runs under the Content-Security-Policy: a violation (an inline script or
    # handler, a resource from elsewhere) or an uncaught script error fails the test.
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(f"pageerror: {error}"))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    blocked = [
        text
        for text in page.console_errors
        if "Content Security Policy" in text or text.startswith("pageerror")
    ]
    assert not blocked, blocked


def log_in(page: Any, username: str, password: str) -> None:
    """The password, then the code of the account's authenticator app."""
    from tests.factories import current_code

    page.goto("/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    if "/connexion/verification/" not in page.url:
        return  # refused (a wrong password): the login page with its error
    page.get_by_label("Code de l'application d'authentification").fill(current_code())
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url(lambda url: "/connexion/" not in url)
