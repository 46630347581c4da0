"""The second-factor steps after the password (verification, first set-up, backup codes)
and the person's own « Sécurité du compte » page (passkeys, new backup codes)."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django_ratelimit.core import is_ratelimited

from cainamur import audit
from cainamur.models import User
from cainamur.second_factor import (
    app_device_confirm,
    app_device_pending,
    backup_codes_new,
    totp_secret,
)

BACKUP_CODES_SESSION_KEY = "cai_backup_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "form-control form-control-lg text-center",
            }
        ),
        error_messages={"required": gettext_lazy("Saisissez le code.")},
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if not code.isdigit() or not 6 <= len(code) <= 8:
            raise forms.ValidationError(
                _("Un code compte 6 chiffres (application) ou 8 chiffres (code de secours).")
            )
        return code


def _next(request: HttpRequest) -> str:
    """Where to go after this step: a path of this site, else the role's home."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware
    return user


def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, a backup code, or a passkey."""
    user = _user(request)
    next_url = _next(request)
    if user.is_verified():  # type: ignore[attr-defined]  # set by OTPMiddleware
        return redirect(next_url)
    if not user_has_device(user):
        return redirect(f"{resolve_url('second-factor-setup')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if is_ratelimited(
            request, group="second-factor", key="user", rate="10/15m", increment=True
        ):
            form = CodeForm()
            messages.error(request, _("Trop de codes essayés : réessayez dans quelques minutes."))
            status = 429
        elif form.is_valid():
            device = match_token(user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(
                        request,
                        _(
                            "Code de secours utilisé : il vous en reste %(left)s. Générez-en "
                            "de nouveaux dans « Sécurité du compte »."
                        )
                        % {"left": left},
                    )
                return redirect(next_url)
            form.add_error("code", _("Code incorrect ou expiré."))
            status = 400
        else:
            status = 400
    has_passkey = WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": next_url, "has_passkey": has_passkey},
        status=status,
    )


def setup(request: HttpRequest) -> HttpResponse:
    """The first login (or after a reset): set up the authenticator app, then the backup
    codes are shown once."""
    user = _user(request)
    next_url = _next(request)
    if user_has_device(user):
        return redirect(f"{resolve_url('second-factor-verify')}?{urlencode({'next': next_url})}")
    device = app_device_pending(user, request.session)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and app_device_confirm(device=device, code=form.cleaned_data["code"]):
            otp_login(request, device)
            request.session[BACKUP_CODES_SESSION_KEY] = backup_codes_new(user)
            return redirect(
                f"{resolve_url('second-factor-backup-codes')}?{urlencode({'next': next_url})}"
            )
        if form.is_valid():
            form.add_error(
                "code", _("Code incorrect : vérifiez l'heure du téléphone et réessayez.")
            )
        status = 400
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr": segno.make(device.config_url, error="m").svg_inline(
                scale=4, title=_("Code QR à scanner avec l'application d'authentification")
            ),
            "secret": " ".join(
                totp_secret(device)[i : i + 4] for i in range(0, len(totp_secret(device)), 4)
            ),
        },
        status=status,
    )


def backup_codes(request: HttpRequest) -> HttpResponse:
    """The backup codes just made, shown once."""
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(_next(request))
    return render(
        request,
        "registration/second_factor_backup_codes.html",
        {"codes": codes, "next": _next(request)},
    )


def account_security(request: HttpRequest) -> HttpResponse:
    """The person's own second factors: the app, passkeys (add, remove), backup codes."""
    user = _user(request)
    context: dict[str, Any] = {
        "apps": TOTPDevice.objects.filter(user=user, confirmed=True),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by(
            "-created_at"
        ),
        "backup_left": sum(d.token_set.count() for d in StaticDevice.objects.filter(user=user)),
        "codes": request.session.pop(BACKUP_CODES_SESSION_KEY, None),
    }
    return render(request, "registration/account_security.html", context)


@require_POST
def backup_codes_renew(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    request.session[BACKUP_CODES_SESSION_KEY] = backup_codes_new(user)
    audit.record(
        by=user,
        action="cainamur.backup_codes_renew",
        summary=_("Nouveaux codes de secours pour %(user)s") % {"user": user.username},
        obj=user,
    )
    messages.success(request, _("Nouveaux codes de secours : les anciens ne fonctionnent plus."))
    return redirect("account-security")


@require_POST
def passkey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    credential = get_object_or_404(WebAuthnCredential, user=user, pk=pk)
    credential.delete()
    audit.record(
        by=user,
        action="cainamur.passkey_delete",
        summary=_("Clé d'accès retirée pour %(user)s") % {"user": user.username},
        obj=user,
    )
    messages.success(request, _("Clé d'accès retirée."))
    return redirect("account-security")
