"""A phone message logged by reception, called back and closed by a caseworker."""

from __future__ import annotations

from typing import Any

import pytest

from cainamur.models import User
from reception.models import Callback
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_a_callback_is_logged_and_closed(
    page: Any, browser: Any, live_server: Any, reception: User, caseworker: User
) -> None:
    from playwright.sync_api import expect

    log_in(page, reception.username, PASSWORD)
    page.get_by_role("link", name="Noter un message").first.click()
    page.get_by_label("Nom de la personne").fill("Ahmad Karimi")
    page.get_by_label("Téléphone").fill("0471 23 45 67")
    page.get_by_label("Objet du message").fill("Voudrait savoir si sa dispense est acceptée")
    page.get_by_label("Urgence").select_option("urgent")
    page.get_by_role("button", name="Enregistrer le message").click()
    expect(page.get_by_test_id("callback-row")).to_contain_text("Ahmad Karimi")

    other = browser.new_context(base_url=live_server.url, locale="fr-BE").new_page()
    log_in(other, caseworker.username, PASSWORD)
    other.goto("/rendez-vous/rappels/")
    other.get_by_role("link", name="Ahmad Karimi").click()
    other.get_by_label("Résultat").select_option("reached")
    other.get_by_label("Traité (plus rien à faire)").check()
    other.get_by_role("button", name="Enregistrer").click()
    expect(other.get_by_test_id("callback-status")).to_have_text("traité")
    other.context.close()
    assert Callback.objects.get().status == "done"
