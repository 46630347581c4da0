"""A walk-in permanence: an arrival at the desk, called by the advisor, outcome recorded."""

from __future__ import annotations

from typing import Any

import pytest

from cainamur.models import User
from reception.models import QueueTicket
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_permanence_from_arrival_to_outcome(
    page: Any, browser: Any, live_server: Any, reception: User, caseworker: User
) -> None:
    from playwright.sync_api import expect

    log_in(page, reception.username, PASSWORD)
    page.goto("/rendez-vous/permanences/")
    page.get_by_role("link", name="Levons les freins").click()
    page.get_by_label("Nom et prénom").fill("Samir Haddad")
    page.get_by_role("button", name="Donner un ticket").click()
    expect(page.get_by_text("Ticket n° 1 pour Samir Haddad")).to_be_visible()

    # The advisor's queue page (already open) shows the arrival by itself.
    advisor = browser.new_context(base_url=live_server.url, locale="fr-BE").new_page()
    log_in(advisor, caseworker.username, PASSWORD)
    advisor.goto(page.url)
    expect(advisor.get_by_test_id("ticket-waiting")).to_contain_text("Samir Haddad")
    advisor.get_by_test_id("call-next").click()
    called = advisor.get_by_test_id("ticket-called")
    expect(called).to_contain_text("Samir Haddad")
    called.get_by_label("Sujet").select_option("cv")
    called.get_by_role("button", name="Terminer").click()
    expect(advisor.get_by_test_id("ticket-done")).to_contain_text("CV et lettre de motivation")
    advisor.context.close()
    ticket = QueueTicket.objects.get()
    assert ticket.status == "done" and ticket.topic == "cv" and ticket.called_by == caseworker
