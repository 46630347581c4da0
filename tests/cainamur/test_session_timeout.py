"""Sessions end after 30 minutes without activity and 10 hours after login (issue 12,
finding 7); « Rester connecté·e » keeps an idle page alive; the page warns a minute
before."""

from __future__ import annotations

import time
from typing import Any

from django.urls import reverse

from cainamur.models import User
from cainamur.session_timeout import LOGIN_AT, SEEN_AT


def _age(client: Any, *, idle: int = 0, since_login: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[SEEN_AT] = now - idle
    session[LOGIN_AT] = now - since_login
    session.save()


def test_thirty_idle_minutes_end_the_session(login_client: Any, caseworker: User) -> None:
    client = login_client(caseworker)
    _age(client, idle=29 * 60)
    assert client.get(reverse("home-caseworker")).status_code == 200
    _age(client, idle=31 * 60)
    ended = client.get(reverse("home-caseworker"))
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    page = client.get(ended["Location"]).content.decode()
    assert "30 minutes sans activité" in page
    # Logged out for good: the next page asks for the password again.
    assert client.get(reverse("home-caseworker"))["Location"].startswith(reverse("login"))


def test_ten_hours_after_login_even_when_active(login_client: Any, caseworker: User) -> None:
    client = login_client(caseworker)
    _age(client, idle=10, since_login=10 * 3600 + 5)
    ended = client.get(reverse("home-caseworker"))
    assert ended["Location"].startswith(reverse("login"))


def test_staying_signed_in_counts_the_activity_from_now(
    login_client: Any, caseworker: User, settings: Any
) -> None:
    client = login_client(caseworker)
    _age(client, idle=29 * 60 + 30)
    kept = client.post(reverse("session-keepalive"), HTTP_ACCEPT="application/json")
    assert kept.status_code == 200 and kept.json() == {"idle_seconds": 1800}
    assert time.time() - client.session[SEEN_AT] < 5
    settings.CAI_SESSION_IDLE_MINUTES = 2
    assert client.get(reverse("home-caseworker")).status_code == 200


def test_an_ended_session_answers_json_to_the_keepalive(
    login_client: Any, caseworker: User
) -> None:
    client = login_client(caseworker)
    _age(client, idle=31 * 60)
    response = client.post(reverse("session-keepalive"), HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and response.json() == {"expired": True}
