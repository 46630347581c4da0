"""A passkey as the second factor, in Chromium with a virtual authenticator (the DevTools
WebAuthn domain stands in for a phone or a security key: the one part that cannot run
here for real): added from « Sécurité du compte », then used after the password."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from cainamur.models import User
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_add_a_passkey_then_log_in_with_it(page: Any, caseworker: User) -> None:
    from django_otp_webauthn.models import WebAuthnCredential
    from playwright.sync_api import expect

    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    # The passkey scripts' translations arrive late (a slow network): the scripts must
    # still wait for them (the library loaded them « async », and the button then failed
    # now and then with « gettext is not defined »).
    def late(route: Any) -> None:
        time.sleep(0.4)
        route.continue_()

    page.route("**/webauthn/jsi18n/", late)
    log_in(page, caseworker.username, PASSWORD)
    page.goto("/compte/securite/")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    expect(page.get_by_test_id("passkeys")).to_be_visible()
    assert WebAuthnCredential.objects.filter(user=caseworker, confirmed=True).count() == 1

    page.context.clear_cookies()
    page.goto("/")
    page.get_by_label("Nom d’utilisateur").fill(caseworker.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Utiliser ma clé d'accès (passkey)").click()
    expect(page).to_have_url(re.compile(r"/accompagnement/$"))
