"""The client's address behind the trusted proxies (issue 12, finding 3), the lockout per
username whatever the address, and the throttle per address across usernames."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cainamur.lib.netutils import trusted_client_ip
from cainamur.models import User
from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        # One proxy appending what it saw: the right-most entry, whatever the client wrote.
        ("203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),
        ("1.1.1.1, 2.2.2.2, 203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6,203.0.113.7", 1, "203.0.113.7"),
        # Two proxies: the entry the outer one added.
        ("6.6.6.6, 203.0.113.7, 10.0.0.9", 2, "203.0.113.7"),
        # Missing or garbled header: only the socket is trusted.
        ("", 1, PROXY),
        ("not-an-address", 1, PROXY),
        ("6.6.6.6, <script>", 1, PROXY),
        # Ports and IPv6.
        ("203.0.113.7:51234", 1, "203.0.113.7"),
        ("[2001:db8::7]:443", 1, "2001:db8::7"),
        ("2001:db8::7", 1, "2001:db8::7"),
        # No proxy: the header is ignored.
        ("6.6.6.6", 0, PROXY),
    ],
)
def test_the_address_the_trusted_proxy_saw(forwarded: str, proxies: int, expected: str) -> None:
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
    assert trusted_client_ip(meta, proxies) == expected


def _login(client: Any, username: str, password: str, forwarded: str) -> Any:
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_varying_the_forwarded_header_does_not_escape_the_lockout(
    client: Any, caseworker: User, settings: Any
) -> None:
    """Behind one proxy, an attacker who changes the address they claim still reaches the
    lockout: the proxy's own entry is the one counted, and the username is locked too."""
    settings.PROXY_COUNT = 1
    for attempt in range(4):
        response = _login(client, caseworker.username, "x", f"198.51.100.{attempt}, 203.0.113.7")
        assert response.status_code == 200
    assert _login(client, caseworker.username, "x", "6.6.6.6, 203.0.113.7").status_code == 429


def test_a_username_is_locked_whatever_the_address(
    client: Any, caseworker: User, settings: Any
) -> None:
    settings.PROXY_COUNT = 1
    for attempt in range(5):
        _login(client, caseworker.username, "x", f"203.0.113.{attempt}")
    # The right password from yet another address is refused during the cool-off.
    assert _login(client, caseworker.username, PASSWORD, "198.51.100.9").status_code == 429


def test_an_address_is_throttled_across_usernames(client: Any, settings: Any, db: None) -> None:
    settings.PROXY_COUNT = 1
    settings.CAI_LOGIN_RATE = "6/15m"
    for number in range(6):
        response = _login(client, f"inconnu{number}", "x", "203.0.113.7")
        assert response.status_code == 200
    refused = _login(client, "inconnu-suivant", "x", "203.0.113.7")
    assert refused.status_code == 429
    assert "Trop de tentatives de connexion depuis cette adresse" in refused.content.decode()
    # Another client behind the same proxy is not affected.
    someone = UserFactory(username="collegue")
    assert _login(client, someone.username, PASSWORD, "198.51.100.20").status_code == 302


def test_password_reset_is_throttled_per_address_and_per_email(
    client: Any, settings: Any, caseworker: User
) -> None:
    from django.core import mail

    settings.PROXY_COUNT = 1
    settings.CAI_RESET_RATE = "2/h"
    caseworker.email = "claire@cainamur.test"
    caseworker.save()
    url = reverse("password_reset")
    for forwarded in ("203.0.113.1", "203.0.113.2"):
        response = client.post(
            url, {"email": caseworker.email}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
        )
        assert response.status_code == 302
    # A third request for the same e-mail, from a new address: refused.
    refused = client.post(
        url, {"email": caseworker.email}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.3"
    )
    assert refused.status_code == 429 and "Trop de demandes" in refused.content.decode()
    assert len(mail.outbox) == 2
    # One address asking for many e-mails is refused too.
    for number in range(2):
        client.post(
            url,
            {"email": f"x{number}@example.com"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )
    refused = client.post(
        url, {"email": "y@example.com"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.50"
    )
    assert refused.status_code == 429
