"""The page warns a minute before an idle session ends, and « Rester connecté·e » keeps
it (issue 12, finding 7). The page's clock is Playwright's, fast-forwarded."""

from __future__ import annotations

from typing import Any

import pytest

from cainamur.models import User
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_the_page_warns_a_minute_before(page: Any, caseworker: User, settings: Any) -> None:
    from playwright.sync_api import expect

    settings.CAI_SESSION_IDLE_MINUTES = 2  # the warning after one minute
    log_in(page, caseworker.username, PASSWORD)
    page.clock.install()
    page.reload()
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_hidden()
    page.clock.fast_forward(61_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("votre session se ferme dans une minute")
    page.get_by_role("button", name="Rester connecté·e").click()
    expect(warning).to_be_hidden()
