"""Logging in and resetting a password, throttled.

* Login: django-axes locks a username after repeated failures (from one address, and from
  any address); on top of that every client address is throttled across usernames
  (``CAI_LOGIN_RATE``), so that one address cannot try many accounts.
* Password reset: throttled per address and per e-mail address (``CAI_RESET_RATE``), and
  the answer is the same whether the address is known or not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

TOO_MANY = 429


def _email_key(_group: str, request: HttpRequest) -> str:
    return str(request.POST.get("email", "")).strip().lower()


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_ratelimited(
            request, group="login", key="ip", rate=settings.CAI_LOGIN_RATE, increment=True
        ):
            # Refused before the password is even checked (no authentication attempt).
            form = AuthenticationForm(
                request=request, initial={"username": request.POST.get("username", "")}
            )
            refusal = _(
                "Trop de tentatives de connexion depuis cette adresse : réessayez dans "
                "quelques minutes."
            )
            context = self.get_context_data(form=form, refusal=refusal)
            return self.render_to_response(context, status=TOO_MANY)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limited = [
            is_ratelimited(
                request, group="reset-ip", key="ip", rate=settings.CAI_RESET_RATE, increment=True
            ),
            is_ratelimited(
                request,
                group="reset-email",
                key=_email_key,
                rate=settings.CAI_RESET_RATE,
                increment=True,
            ),
        ]
        if any(limited):
            form = PasswordResetForm(initial={"email": request.POST.get("email", "")})
            refusal = _("Trop de demandes de réinitialisation : réessayez dans une heure.")
            context = self.get_context_data(form=form, refusal=refusal)
            return self.render_to_response(context, status=TOO_MANY)
        return super().post(request, *args, **kwargs)
