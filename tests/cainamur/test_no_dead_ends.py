"""Each role sees what it can use (issue 14): on every page a role opens, every link and
every form leads somewhere that role may go: never a 403. Walked on the demo data, one
level deep from the role's pages (its navigation, a followed file, an offer, a breach)."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from cainamur.models import User
from tests.e2e.test_phone_width import PERSONAS, pages_of

#: Forms that end the session or that are tried on their own elsewhere.
SKIPPED_ACTIONS = ("/deconnexion/",)


class Targets(HTMLParser):
    """The links (GET) and the forms (method, action, the values they would send)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: set[str] = set()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and values.get("href", "").startswith("/"):
            self.links.add(values["href"].split("#")[0])
        elif tag == "form":
            method = values.get("method", "get").lower()
            self._form = (values.get("action", ""), {}) if method == "post" else None
            if method == "get" and values.get("action", "").startswith("/"):
                self.links.add(values["action"])
        elif tag == "input" and self._form is not None and values.get("type") == "hidden":
            self._form[1][values.get("name", "")] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def client_for(user: User) -> Client:
    from tests.conftest import verify_second_factor

    client = Client()
    client.force_login(user)
    verify_second_factor(client, user)
    return client


@pytest.mark.django_db(transaction=True)
def test_no_link_or_form_answers_403(settings: Any, reference_data: None) -> None:
    settings.DEBUG = True
    call_command("seed_demo", beneficiaries=80, stdout=io.StringIO())
    forbidden: list[str] = []
    followed = 0
    for username, persona in PERSONAS.items():
        user = User.objects.get(username=username)
        client = client_for(user)
        for page in pages_of(persona):
            response = client.get(page, follow=True)
            assert response.status_code == 200, (username, page)
            parser = Targets()
            parser.feed(response.content.decode())
            for link in sorted(parser.links):
                if urlsplit(link).path.startswith("/static/"):
                    continue
                followed += 1
                if client.get(link).status_code == 403:
                    forbidden.append(f"{username} {page} → lien {link}")
            for action, data in parser.forms:
                target = action or page
                if target.startswith(SKIPPED_ACTIONS) or not target.startswith("/"):
                    continue
                followed += 1
                # Hidden values only: the answer to an incomplete form is a 400 or a
                # redirect with a message, never a refusal of the role.
                if client.post(target, data).status_code == 403:
                    forbidden.append(f"{username} {page} → formulaire {target}")
            client = client_for(user)  # a form may have changed the session's state
    assert followed > 300
    assert forbidden == [], "\n".join(forbidden)


def test_the_walker_reads_links_and_forms() -> None:
    parser = Targets()
    parser.feed(
        '<a href="/dossiers/1/#x">x</a><a href="https://ailleurs.be">y</a>'
        '<form method="post" action="/a/"><input type="hidden" name="to" value="done"></form>'
        '<form method="get" action="/dossiers/"><input name="q"></form>'
    )
    assert parser.links == {"/dossiers/1/", "/dossiers/"}
    assert parser.forms == [("/a/", {"to": "done"})]
