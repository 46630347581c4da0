"""The second factor every staff account uses (django-otp): an authenticator app (TOTP)
with one-time backup codes, and passkeys (WebAuthn, django-otp-webauthn) once enrolled.

* After the password, a person who has a second factor proves it (« vérification »); a
  person who has none is taken to set one up (« activation ») before anything else.
* An administrator can reset a person's second factor (recorded): at the next login the
  person sets one up again.

Until the second factor is verified, ``SecondFactorRequiredMiddleware`` lets a logged-in
person reach only the pages of these steps (and logging out).
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from collections.abc import Callable
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.helpers import WebAuthnHelper as BaseWebAuthnHelper

from cainamur import audit
from cainamur.models import User
from cainamur.services import account_change_notify

#: Backup codes given at once (each works one time).
BACKUP_CODES: Final = 10
APP_DEVICE_NAME: Final = "Application d'authentification"
BACKUP_DEVICE_NAME: Final = "Codes de secours"

#: What a logged-in person may reach before their second factor is verified.
OPEN_BEFORE_VERIFICATION: Final = frozenset(
    {
        "logout",
        "second-factor-verify",
        "second-factor-setup",
        "second-factor-backup-codes",
        "health",
        "attestations:verify",
        "operators:report",
        "appointments:ical",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
    }
)


def totp_secret(device: TOTPDevice) -> str:
    """The device's key as the base32 text an authenticator app accepts."""
    return b32encode(device.bin_key).decode().rstrip("=")


PENDING_SESSION_KEY = "cai_pending_totp"


def app_device_pending(user: User, session: Any) -> TOTPDevice:
    """The authenticator-app device this session is setting up (not yet confirmed). Each
    session gets its own key: someone else who knows the password and opens the set-up
    page never sees the key the person will confirm."""
    pending_id = session.get(PENDING_SESSION_KEY)
    device = TOTPDevice.objects.filter(pk=pending_id, user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
        session[PENDING_SESSION_KEY] = device.pk
    return device


def backup_codes_new(user: User) -> list[str]:
    """A fresh set of backup codes (the previous ones stop working); shown once."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def app_device_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Confirm the authenticator app with a code it shows; other unconfirmed devices of
    the person go."""
    if not device.verify_token(code.replace(" ", "")):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        audit.record(
            by=device.user,
            action="cainamur.second_factor_enrol",
            summary=gettext("Double authentification activée pour %(user)s")
            % {"user": device.user.username},
            obj=device.user,
        )
    return True


def second_factor_reset(*, user: User, by: User) -> int:
    """Remove every device of the person (app, backup codes, passkeys): at the next login
    they set up a new one. Recorded."""
    with transaction.atomic():
        removed = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        # Every open session of the person ends: whoever sets up the new second factor
        # types the password again first.
        sessions_end(user)
        event = audit.record(
            by=by,
            action="cainamur.second_factor_reset",
            summary=gettext("Double authentification réinitialisée pour %(user)s")
            % {"user": user.username},
            obj=user,
        )
        account_change_notify(event)  # the superusers are told
    return removed


def sessions_end(user: User) -> int:
    """Log the person out everywhere (database sessions)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def _next_query(request: HttpRequest) -> str:
    return urlencode({"next": request.get_full_path()})


class SecondFactorRequiredMiddleware:
    """A logged-in person whose second factor is not verified reaches only the steps that
    verify or set it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if user.is_authenticated and not user.is_verified() and not self._open(request):
            step = "second-factor-verify" if user_has_device(user) else "second-factor-setup"
            return redirect(f"{reverse(step)}?{_next_query(request)}")
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 reveals nothing
        return match.view_name in OPEN_BEFORE_VERIFICATION


class WebAuthnHelper(BaseWebAuthnHelper):
    """Passkeys belong to the host the staff use (already checked against ALLOWED_HOSTS),
    and only this origin may use them."""

    def get_relying_party_domain(self) -> str:
        return str(self.request.get_host()).rsplit(":", 1)[0]

    def get_allowed_origins(self) -> list[str]:
        return [f"{self.request.scheme}://{self.request.get_host()}"]
