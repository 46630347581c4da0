"""The load benchmark's simulated staff (locust, run by ``python -m bench.load``).

Each simulated person logs in once through the real login page with the code of their
authenticator app, then works without think time: reception (homes, the day agenda, the
slot finder, searches, file pages, call-backs, the permanences) and caseworkers (homes, the
file list with filters, file pages, the week view, searches). The accounts, files and
search terms come from the JSON file named by ``CAI_LOAD_SAMPLE`` (written by bench.load).

The server is reached over plain HTTP on 127.0.0.1 but believes it is behind a TLS proxy
(``X-Forwarded-Proto: https``, ``CAI_PROXY_COUNT=1``), as in production.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
from typing import Any

from django_otp.oath import totp
from locust import FastHttpUser, between, task

SAMPLE: dict[str, Any] = json.loads(open(os.environ["CAI_LOAD_SAMPLE"]).read())  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_accounts: dict[str, list[dict[str, str]]] = {"reception": [], "caseworker": []}
_lock = threading.Lock()
for account in SAMPLE["users"]:
    _accounts[account["role"]].append(account)


def take_account(role: str) -> dict[str, str]:
    """Each simulated person has an account of their own (a code is valid once per
    device: two logins with one account in the same 30 seconds would fail)."""
    with _lock:
        return _accounts[role].pop()


class Staff(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(0, 0)
    # One connection per simulated person, as a browser keeps one.
    concurrency = 1

    def on_start(self) -> None:
        account = take_account(self.role)
        self.home = SAMPLE["homes"][self.role]
        origin = (self.host or "").replace("http://", "https://")
        self.headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": account["address"],
            "Origin": origin,
            "Referer": origin + "/connexion/",
        }
        page = self.client.get("/connexion/", headers=self.headers, name="connexion")
        token = CSRF.search(page.text or "")
        assert token, "no CSRF token on the login page"
        self.client.post(
            "/connexion/",
            data={
                "username": account["username"],
                "password": account["password"],
                "csrfmiddlewaretoken": token.group(1),
            },
            headers=self.with_cookies(),
            name="connexion",
        )
        page = self.client.get(
            "/connexion/verification/", headers=self.with_cookies(), name="connexion"
        )
        token = CSRF.search(page.text or "")
        assert token, "no CSRF token on the second-factor page"
        code = f"{totp(bytes.fromhex(account['key'])):06d}"
        with self.client.post(
            "/connexion/verification/",
            data={"code": code, "csrfmiddlewaretoken": token.group(1)},
            headers=self.with_cookies(),
            name="connexion",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"second factor refused ({response.status_code})")

    def get(self, path: str, name: str) -> None:
        self.client.get(path, headers=self.with_cookies(), name=name)

    def with_cookies(self, **extra: str) -> dict[str, str]:
        """The headers with the session's cookies: the client keeps them in its jar but
        does not send the ``Secure`` ones over the bench's plain HTTP by itself."""
        jar = {c.name: c.value or "" for c in self.client.cookiejar}
        cookies = "; ".join(f"{name}={value}" for name, value in jar.items())
        # The CSRF secret itself is accepted as the token (htmx sends the page's one).
        token = {"X-CSRFToken": jar["csrftoken"]} if "csrftoken" in jar else {}
        return {**self.headers, "Cookie": cookies, **token, **extra}

    def file_page(self) -> None:
        self.get(f"/dossiers/{random.choice(SAMPLE['files'])}/", "file page")  # noqa: S311

    def search(self) -> None:
        term = random.choice(SAMPLE["terms"])  # noqa: S311
        self.client.post(
            "/dossiers/",
            data={"q": term},
            headers=self.with_cookies(**{"HX-Request": "true"}),
            name="search",
        )


class Reception(Staff):
    role = "reception"
    weight = 1

    @task(3)
    def home_page(self) -> None:
        self.get(self.home, "home (reception)")

    @task(3)
    def agenda(self) -> None:
        self.get(f"/rendez-vous/?bureau={SAMPLE['office']}", "day agenda")

    @task(4)
    def searches(self) -> None:
        self.search()

    @task(3)
    def files(self) -> None:
        self.file_page()

    @task(2)
    def slot_finder(self) -> None:
        person = random.choice(SAMPLE["files"])  # noqa: S311
        self.get(
            f"/rendez-vous/nouveau/?dossier={person}&type={SAMPLE['type']}"
            f"&office={SAMPLE['office']}",
            "slot finder",
        )

    @task(1)
    def callbacks(self) -> None:
        self.get("/rendez-vous/rappels/", "call-backs")

    @task(1)
    def permanences(self) -> None:
        self.get("/rendez-vous/permanences/", "permanences")


class Caseworker(Staff):
    role = "caseworker"
    weight = 1

    @task(3)
    def home_page(self) -> None:
        self.get(self.home, "home (caseworker)")

    @task(2)
    def file_list(self) -> None:
        status = random.choice(["obliged", "exempt", "incomplete", ""])  # noqa: S311
        self.get(f"/dossiers/?obligation_status={status}", "file list (filtered)")

    @task(5)
    def files(self) -> None:
        self.file_page()

    @task(3)
    def searches(self) -> None:
        self.search()

    @task(1)
    def week(self) -> None:
        self.get(f"/rendez-vous/semaine/?bureau={SAMPLE['office']}", "week view")
