"""The outbox carries messages without knowing their domain: each app registers its kinds
at start-up; e-mails are written from templates, in French, text and HTML."""

from __future__ import annotations

import pytest
from django.utils import translation

from outbox import registry
from outbox.emails import email_render
from outbox.models import Dispatch


def test_every_purpose_has_its_kind_registered_at_start_up() -> None:
    for purpose in Dispatch.Purpose.values:
        kind = registry.kind_of(purpose)
        assert kind.purpose == purpose and callable(kind.compose) and callable(kind.ready)
    assert "attestation__beneficiary" in registry.related_paths()
    assert "appointment__beneficiary" in registry.related_paths()


def test_an_unknown_purpose_is_an_error_not_a_silent_skip() -> None:
    with pytest.raises(LookupError, match="newsletter"):
        registry.kind_of("newsletter")


def test_emails_come_in_french_with_an_escaped_html_part() -> None:
    class Centre:
        name = "CAI"
        street = "Rue Docteur Haibe 2"
        postal_code = "5002"
        city = "Namur"
        phone = "081 71 35 18"
        email = "accompagnement@cainamur.be"

    context = {
        "number": "CAI-ATT-2026-00042",
        "issued_on": "30/11/2026",
        "name": "<b>BENALI</b> Amina",
        "birth": "30/07/1985",
        "to_cpas": True,
        "legal_basis": "CWASS, art. 152/7",
        "verify": "https://cai.example.be/verifier/",
        "centre": Centre(),
    }
    with translation.override("en"):  # whoever triggers it, the copy is written in French
        message = email_render("attestation_copy", context, to=["population@namur.test"])
    assert (
        message.subject == "Attestation de fréquentation CAI-ATT-2026-00042 — <b>BENALI</b> Amina"
    )
    assert "nous vous transmettons en pièce jointe" in message.body
    assert "aide de votre CPAS" in message.body and "<b>BENALI</b> Amina" in message.body
    ((html, mimetype),) = message.alternatives
    assert (
        mimetype == "text/html" and "&lt;b&gt;BENALI&lt;/b&gt;" in html and "<b>BENALI" not in html
    )
