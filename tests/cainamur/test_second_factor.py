"""Every staff account uses a second factor (issue 12, finding 4): set up at the first
login (authenticator app, then backup codes shown once), asked after every password, and
reset by an administrator (recorded)."""

from __future__ import annotations

import re
from binascii import unhexlify
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cainamur.models import AuditEvent, User
from cainamur.roles import Role
from tests.conftest import make_staff
from tests.factories import PASSWORD, current_code


def _password(client: Client, user: User) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_the_first_login_sets_up_the_app_then_shows_the_backup_codes(
    db: None, settings: Any
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code makes the next one wait 1 s
    newcomer = make_staff("nouvelle", [Role.CASEWORKER], ["namur"], second_factor=False)
    client = Client()
    _password(client, newcomer)
    held = client.get("/")
    assert held["Location"].startswith(reverse("second-factor-setup"))
    page = client.get(held["Location"])
    body = page.content.decode()
    assert "<svg" in body and "Activer la double authentification" in body
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', body)
    assert secret is not None
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    assert (
        secret.group(1).replace(" ", "") in __import__("base64").b32encode(device.bin_key).decode()
    )
    wrong = client.post(held["Location"], {"code": "000000"})
    assert wrong.status_code == 400 and "Code incorrect" in wrong.content.decode()
    right = client.post(held["Location"], {"code": f"{TOTP(unhexlify(device.key)).token():06d}"})
    assert right["Location"].startswith(reverse("second-factor-backup-codes"))
    codes_page = client.get(right["Location"]).content.decode()
    codes = re.findall(r">(\d{4}) (\d{4})<", codes_page)
    assert len(codes) == 10
    # Shown once only.
    assert client.get(right["Location"]).status_code == 302
    assert client.get(reverse("home")).status_code == 302  # to the role's home
    assert AuditEvent.objects.filter(action="cainamur.second_factor_enrol").exists()
    # A backup code works once.
    client.post(reverse("logout"))
    _password(client, newcomer)
    code = "".join(codes[0])
    assert client.post(reverse("second-factor-verify"), {"code": code}).status_code == 302
    client.post(reverse("logout"))
    _password(client, newcomer)
    again = client.post(reverse("second-factor-verify"), {"code": code})
    assert again.status_code == 400 and "Code incorrect" in again.content.decode()
    assert StaticToken.objects.filter(device__user=newcomer).count() == 9


def test_nothing_opens_before_the_second_factor(db: None, caseworker: User) -> None:
    client = Client()
    _password(client, caseworker)
    for url in (
        "/",
        reverse("beneficiaries:list"),
        reverse("account-security"),
        "/admin/",
        reverse("otp_webauthn:credential-registration-begin"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("second-factor-verify")), url
    # The public check and logging out stay open.
    assert client.get(reverse("attestations:verify")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_the_code_field_refuses_garbage_and_guessing_is_throttled(
    db: None, caseworker: User
) -> None:
    client = Client()
    _password(client, caseworker)
    url = reverse("second-factor-verify")
    assert "6 chiffres" in client.post(url, {"code": "abc"}).content.decode()
    statuses = [client.post(url, {"code": f"{n:06d}"}).status_code for n in range(11)]
    assert statuses[-1] == 429
    # Even the right code waits out the throttle.
    assert client.post(url, {"code": current_code()}).status_code == 429


def test_an_administrator_resets_a_second_factor(
    login_client: Any, administrator: User, caseworker: User
) -> None:
    response = login_client(administrator).post(
        "/admin/cainamur/user/",
        {"action": "reset_second_factor", "_selected_action": [caseworker.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    event = AuditEvent.objects.get(action="cainamur.second_factor_reset")
    assert event.actor == administrator and event.object_id == caseworker.pk
    client = Client()
    _password(client, caseworker)
    assert client.get("/")["Location"].startswith(reverse("second-factor-setup"))


def test_an_administrator_cannot_reset_a_superuser_nor_themselves(
    login_client: Any, administrator: User
) -> None:
    root = User.objects.create_superuser("racine", "racine@cainamur.test", PASSWORD)
    TOTPDevice.objects.create(user=root, name="App", confirmed=True)
    login_client(administrator).post(
        "/admin/cainamur/user/",
        {"action": "reset_second_factor", "_selected_action": [root.pk, administrator.pk]},
    )
    assert TOTPDevice.objects.filter(user=root).exists()
    assert TOTPDevice.objects.filter(user=administrator).exists()


def test_every_role_passes_the_second_factor(db: None) -> None:
    for role in Role:
        person = make_staff(f"personne-{role.value}", [role], ["namur"], is_staff=True)
        client = Client()
        _password(client, person)
        assert client.get("/")["Location"].startswith(reverse("second-factor-verify"))
        assert client.post(reverse("second-factor-verify"), {"code": current_code()})[
            "Location"
        ] == reverse("home")


def test_backup_codes_are_renewed_from_the_account_page(
    login_client: Any, caseworker: User
) -> None:
    client = login_client(caseworker)
    page = client.get(reverse("account-security")).content.decode()
    assert re.search(r"Il vous reste 0 codes? de secours", page)
    response = client.post(reverse("account-backup-codes"), follow=True)
    assert len(re.findall(r">(\d{4}) (\d{4})<", response.content.decode())) == 10
    assert "Il vous reste 10 codes" in client.get(reverse("account-security")).content.decode()
