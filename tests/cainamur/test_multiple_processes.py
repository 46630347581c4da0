"""Several web processes against one database: nothing one process needs is kept in
another's memory. Two real gunicorn servers (the project's gunicorn.conf.py, production
settings: DJANGO_DEBUG off, behind a proxy that says HTTPS) serve the test database on two
ports; receptionists log in through the real forms with their second factor, on either
server, and:

- a session opened on one server is valid on the other (sessions in PostgreSQL);
- the same slot booked at the same instant through both is booked once, the other refused
  by the database's constraint, and the refused one books another slot;
- a rate limit counts the requests of both servers (the cache: Redis when the run has one,
  otherwise PostgreSQL, as production without Redis), and so does the login lockout;
- the metrics of a server with two workers add up both (PROMETHEUS_MULTIPROC_DIR);
- every log line is JSON and carries the request id the response gave, and the user's id,
  never a name.

The static files' manifest is written directly instead of running collectstatic (its
compression takes ~10 s and is not what is checked here); no static file is requested.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from appointments.models import Appointment, AppointmentType
from appointments.selectors import slot_search
from cainamur.embedded_db import connection_url
from cainamur.roles import Role
from cainamur.services import user_set_roles
from offices.models import Office, OpeningHours, StaffAvailability
from tests.factories import BeneficiaryFactory, UserFactory, current_code
from tests.smtp import free_port, smtp_server

BASE_DIR = Path(settings.BASE_DIR)
HOST = "cai.test"
PASSWORD = "un-mot-de-passe-de-test-assez-long"
METRICS_TOKEN = "a-metrics-token-of-more-than-thirty-two-characters"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Browser:
    """A person's browser behind the reverse proxy: the proxy says HTTPS and appends the
    client's address; cookies kept by hand (they are Secure, and this is plain HTTP to
    gunicorn, as from the proxy)."""

    port: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None, **extra: str
    ) -> Answer:
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            **extra,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Answer(response.status, response.headers, text)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, Any]) -> Answer:
        return self.request("POST", path, form)

    def log_in(self, username: str, password: str = PASSWORD) -> Answer:
        self.get("/connexion/")  # the CSRF cookie
        answer = self.post("/connexion/", {"username": username, "password": password})
        if answer.status != 302:
            return answer
        # Nothing opens before the second factor: the code of the authenticator app.
        assert (
            self.get(answer.headers["Location"])
            .headers["Location"]
            .startswith("/connexion/verification/")
        )
        return self.post("/connexion/verification/", {"code": current_code()})

    def on(self, port: int) -> Browser:
        """The same browser (its cookies) sent to another server."""
        return Browser(port=port, address=self.address, cookies=self.cookies)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[str]:
        """The log's complete lines (a server may be writing the last one right now)."""
        text = self.log.read_text()
        return [line for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]


def _static_manifest(static_root: Path) -> None:
    """The manifest collectstatic would write, each file under its own name."""
    source = BASE_DIR / "static"
    paths = {
        p.relative_to(source).as_posix(): p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file()
    }
    static_root.mkdir(parents=True, exist_ok=True)
    (static_root / "staticfiles.json").write_text(
        json.dumps({"paths": paths, "version": "1.1", "hash": "test"})
    )


def _production_env(tmp_path: Path, smtp_port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CAI_", "EMAIL_", "REDIS_", "PROMETHEUS_", "DATABASE_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-production-like-secret-key-for-two-processes-" + "x" * 20,
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        DATABASE_URL=connection_url(settings.DATABASES["default"]),
        CAI_DATA_KEYS=",".join(settings.CAI_DATA_KEYS),
        CAI_INDEX_KEY=settings.CAI_INDEX_KEY,
        CAI_VAR_DIR=str(tmp_path / "var"),
        CAI_MEDIA_ROOT=str(tmp_path / "media"),
        CAI_STATIC_ROOT=str(tmp_path / "static"),
        CAI_PROXY_COUNT="1",
        CAI_VERIFY_RATE="3/d",
        CAI_LOGIN_FAILURE_LIMIT="3",
        CAI_METRICS_TOKEN=METRICS_TOKEN,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
    )
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        env["CAI_CACHE_URL"] = settings.CACHES["default"]["LOCATION"]  # no broker: tasks in-process
    return env


def _start(env: dict[str, str], port: int, workers: int, log: Path) -> Server:
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "cainamur.wsgi",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(port=port, process=process, log=log)


def _wait_until_up(server: Server, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn stopped:\n{server.log.read_text()[-3000:]}")
        try:
            if Browser(server.port, "127.0.0.1").get("/health/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer:\n{server.log.read_text()[-3000:]}")


@pytest.fixture
def servers(reference_data: None, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Server A (two workers, multi-process metrics) and server B (one worker)."""
    _static_manifest(tmp_path / "static")
    with smtp_server() as (_inbox, smtp_port):
        env = _production_env(tmp_path, smtp_port)
        database_cache = "CAI_CACHE_URL" not in env
        if database_cache:
            # The release step of a deployment without Redis.
            created = subprocess.run(
                [sys.executable, "manage.py", "createcachetable"],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert created.returncode == 0, created.stderr
        env_a = dict(env, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics-a"))
        a = _start(env_a, free_port(), 2, tmp_path / "a.log")
        b = _start(env, free_port(), 1, tmp_path / "b.log")
        try:
            _wait_until_up(a)
            _wait_until_up(b)
            yield a, b
        finally:
            for server in (a, b):
                server.process.terminate()
            for server in (a, b):
                try:
                    server.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.process.kill()
                    server.process.wait()
            if database_cache:
                with connection.cursor() as cursor:
                    cursor.execute("DROP TABLE IF EXISTS cainamur_cache")


@pytest.fixture
def world(reference_data: None, settings: Any) -> dict[str, Any]:
    """Two receptionists and a third account of Namur, a caseworker present at every
    reception hour, four files."""
    # The servers check passwords with the production hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    namur = Office.objects.get(code="namur")
    people = {}
    for username in ("alice", "bob", "carol"):
        user = UserFactory(username=username, first_name=username.title(), password=PASSWORD)
        user_set_roles(user=user, roles=[Role.RECEPTION])
        user.offices.set([namur])
        people[username] = user
    caseworker = UserFactory(username="referente")
    user_set_roles(user=caseworker, roles=[Role.CASEWORKER])
    caseworker.offices.set([namur])
    for hours in OpeningHours.objects.filter(office=namur, kind="reception"):
        StaffAvailability.objects.create(
            staff=caseworker,
            office=namur,
            weekday=hours.weekday,
            starts=hours.opens,
            ends=hours.closes,
        )
    kind = AppointmentType.objects.get(code="welcome")
    today = timezone.localdate()
    free = slot_search(
        office=namur, kind=kind, first=today + timedelta(days=1), last=today + timedelta(days=21)
    )
    assert free and free[-1].start >= free[0].end
    return {
        **people,
        "namur": namur,
        "kind": kind,
        "files": [BeneficiaryFactory(office=namur) for _i in range(4)],
        "slots": free,
    }


def _booking(world: dict[str, Any], file_index: int, slot: Any) -> dict[str, Any]:
    return {
        "dossier": world["files"][file_index].pk,
        "type": world["kind"].pk,
        "office": world["namur"].pk,
        "slot": f"{slot.staff_id}|{slot.start.isoformat()}",
    }


def _refused_as_taken(answer: Answer) -> bool:
    return answer.status in (200, 400) and "vient d" in answer.body and "pris" in answer.body


def _metric_total(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.django_db(transaction=True)
def test_two_servers_share_sessions_bookings_limits_and_metrics(
    servers: tuple[Server, Server], world: dict[str, Any]
) -> None:
    a, b = servers
    alice = Browser(a.port, "198.51.100.1")
    bob = Browser(b.port, "198.51.100.2")
    assert alice.log_in("alice").status == 302
    assert bob.log_in("bob").status == 302

    # Sessions: each one's session is valid on the other server.
    assert alice.on(b.port).get("/rendez-vous/").status == 200
    assert bob.on(a.port).get("/rendez-vous/").status == 200
    assert Browser(b.port, "198.51.100.3").get("/rendez-vous/").status == 302  # no session

    # The same slot, at the same instant, through both servers: booked once.
    slot = world["slots"][0]
    other_slot = next(s for s in world["slots"] if s.start >= slot.end)  # no overlap
    barrier = threading.Barrier(2)
    answers: dict[str, Answer] = {}

    def book(name: str, browser: Browser, file_index: int) -> None:
        barrier.wait()
        answers[name] = browser.post(
            "/rendez-vous/nouveau/confirmer/", _booking(world, file_index, slot)
        )

    threads = [
        threading.Thread(target=book, args=("alice", alice, 0)),
        threading.Thread(target=book, args=("bob", bob, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    booked = [name for name, answer in answers.items() if answer.status == 302]
    refused = [name for name, answer in answers.items() if _refused_as_taken(answer)]
    assert len(booked) == 1 and len(refused) == 1, {
        k: (v.status, v.body[:300]) for k, v in answers.items()
    }
    assert (
        Appointment.objects.filter(during__startswith=slot.start, staff_id=slot.staff_id).count()
        == 1
    )
    loser = alice if refused == ["alice"] else bob
    index = 0 if loser is alice else 1
    assert (
        loser.post("/rendez-vous/nouveau/confirmer/", _booking(world, index, other_slot)).status
        == 302
    )
    assert Appointment.objects.count() == 2

    # A rate limit (3 checks a day per address) counts both servers' requests.
    visitor_a, visitor_b = Browser(a.port, "203.0.113.9"), Browser(b.port, "203.0.113.9")
    assert [visitor_a.get("/verifier/").status for _i in range(2)] == [200, 200]
    assert visitor_b.get("/verifier/").status == 200
    assert visitor_b.get("/verifier/").status == 429
    assert visitor_a.get("/verifier/").status == 429
    assert Browser(a.port, "203.0.113.10").get("/verifier/").status == 200  # another address

    # The login lockout (3 failures) counts both servers' failures.
    carol_a, carol_b = Browser(a.port, "198.51.100.7"), Browser(b.port, "198.51.100.7")
    assert carol_a.log_in("carol", "not-the-password").status == 200
    assert carol_b.log_in("carol", "not-the-password").status == 200
    assert carol_a.log_in("carol", "not-the-password").status in (200, 429)
    assert carol_b.log_in("carol").status == 429  # the right password, locked out

    # Server A's two workers answer for both: every check it served is counted once.
    prometheus = Browser(a.port, "10.0.0.5")
    assert prometheus.get("/metrics/").status == 404
    scraped = prometheus.request("GET", "/metrics/", Authorization=f"Bearer {METRICS_TOKEN}")
    assert scraped.status == 200
    served_by_a = _metric_total(
        scraped.body,
        "django_http_requests_latency_seconds_by_view_method_count",
        view="attestations:verify",
    )
    assert served_by_a == 4  # 200, 200, 429, and the other address

    # Logs: JSON lines; the request id a response gave is in its access line; the user's id,
    # never a name.
    lines = [json.loads(line) for line in a.lines() + b.lines()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    given = alice.on(a.port).get("/nulle-part/")
    assert given.status == 404
    request_id = given.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    for _attempt in range(50):
        about = [json.loads(line) for line in a.lines() if request_id in line]
        if len(about) >= 2:
            break
        time.sleep(0.1)
    access = [line for line in about if line["logger"] == "gunicorn.access"]
    warning = [line for line in about if line["logger"] == "django.request"]
    assert access and access[0]["path"] == "/nulle-part/" and access[0]["status"] == 404
    assert warning and warning[0]["user_id"] == world["alice"].pk
    everything = a.log.read_text() + b.log.read_text()
    for secret in ("Alice", "Bob", PASSWORD, world["files"][0].last_name):
        assert secret not in everything
