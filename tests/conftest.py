"""Personas, one per role, plus an outsider from another office.

The reference data (8 offices, 38 communes, role groups) comes from the migrations, so
every test database has it exactly as a real install does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cainamur.models import User
from cainamur.roles import Role
from cainamur.services import user_set_roles
from offices.models import Office
from tests.factories import TOTP_KEY, UserFactory, current_code


def make_staff(username: str, roles: list[Role], office_codes: list[str], **extra: object) -> User:
    user = UserFactory(username=username, **extra)
    user_set_roles(user=user, roles=roles)
    user.offices.set(Office.objects.filter(code__in=office_codes))
    return User.objects.get(pk=user.pk)  # fresh: no cached roles or offices


def log_in_through_form(
    client: Client, username: str, password: str, *, totp_key: str = TOTP_KEY
) -> bool:
    """Log in the way a person does: the login view (with its brute-force protection),
    then the code of the authenticator app."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    if response.status_code != 302:
        return False
    verified = client.post(reverse("second-factor-verify"), {"code": current_code(totp_key)})
    return verified.status_code == 302


def verify_second_factor(client: Client, user: User) -> None:
    """Mark a logged-in test client as having passed the second factor (the session key
    django-otp sets), with the user's authenticator app."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="Application", defaults={"key": TOTP_KEY, "confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


#: The project's own packages, floor by floor (README, « Architecture »).
PROJECT_APPS = (
    "cainamur",
    "offices",
    "outbox",
    "beneficiaries",
    "parcours",
    "operators",
    "attestations",
    "compliance",
    "appointments",
    "reception",
    "home",
    "demo",
    "rights",
    "reporting",
    "imports",
    "bulk",
)


@pytest.fixture(scope="session", autouse=True)
def reference_snapshot(django_db_setup: None, django_db_blocker: Any) -> str:
    """The rows the data migrations loaded (offices, communes and CPAS, calendars,
    permanences...), taken once when the test database is ready."""
    from django.apps import apps
    from django.core import serializers
    from django.db import connection

    if not str(connection.settings_dict["NAME"]).startswith("test_"):
        return "[]"  # no test of this run uses the database: none was created
    with django_db_blocker.unblock():
        rows = [
            instance
            for label in PROJECT_APPS
            for model in apps.get_app_config(label).get_models()
            if not model._meta.proxy
            for instance in model._default_manager.order_by("pk")
        ]
        return serializers.serialize("json", rows)


@pytest.fixture
def reference_data(transactional_db: None, reference_snapshot: str) -> None:
    """Tests in real transactions (browser, worker) see the database flushed after each
    one, reference data included: put back what the migrations loaded."""
    from django.core import serializers
    from django.db import transaction

    if not Office.objects.exists():
        with transaction.atomic():
            for row in serializers.deserialize("json", reference_snapshot):
                row.save()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with no rate-limit counts nor cached pages from the one before."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def one_rate_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """One rate-limit window per test (its counts start at zero: ``empty_cache``).
    django-ratelimit's windows follow the clock: one ending between two requests of a test
    restarts the count, and a test expecting the 11th try refused once saw it accepted.
    Servers started in other processes keep the real windows."""
    monkeypatch.setattr("django_ratelimit.core._get_window", lambda *_: 4102444800)


@pytest.fixture(autouse=True)
def tasks_run_in_process() -> Any:
    """Tasks run in the test's process after commit (the no-broker mode), even when
    REDIS_URL is set: only tests/cainamur/test_celery_worker.py starts a real worker."""
    from cainamur.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def sms_in_memory(settings: Any) -> Any:
    """SMS are kept in memory (outbox.sms.LocmemBackend.outbox), like mails in mail.outbox."""
    from outbox.sms import LocmemBackend

    settings.CAI_SMS_BACKEND = "outbox.sms.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Any) -> None:
    """Documents written by a test go to its own folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Real hashing costs ~0.3 s a password; tests only need a hasher that checks.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def namur() -> Office:
    return Office.objects.get(code="namur")


@pytest.fixture
def dinant() -> Office:
    return Office.objects.get(code="dinant")


@pytest.fixture
def reception(db: None) -> User:
    return make_staff("accueil.namur", [Role.RECEPTION], ["namur"], first_name="Léa")


@pytest.fixture
def caseworker(db: None) -> User:
    return make_staff("referente.namur", [Role.CASEWORKER], ["namur"], first_name="Claire")


@pytest.fixture
def coordinator(db: None) -> User:
    return make_staff("coordination", [Role.COORDINATOR], [], first_name="Hélène")


@pytest.fixture
def administrator(db: None) -> User:
    return make_staff(
        "administration", [Role.ADMINISTRATOR], [], first_name="Pierre", is_staff=True
    )


@pytest.fixture
def outsider(db: None) -> User:
    """A caseworker of another office (Dinant): must never see Namur's files."""
    return make_staff("referent.dinant", [Role.CASEWORKER], ["dinant"], first_name="Marc")


@pytest.fixture
def personas(
    reception: User, caseworker: User, coordinator: User, administrator: User, outsider: User
) -> dict[str, User]:
    return {
        "reception": reception,
        "caseworker": caseworker,
        "coordinator": coordinator,
        "administrator": administrator,
        "outsider": outsider,
    }


@pytest.fixture
def login_client() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        verify_second_factor(client, user)
        return client

    return make
