"""Staff sessions end after ``CAI_SESSION_IDLE_MINUTES`` without activity and at most
``CAI_SESSION_HOURS`` after login. The page warns a minute before the idle end and offers
to stay signed in (``static/js/cai.js``, which calls ``session_keepalive``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

LOGIN_AT = "cai_login_at"
SEEN_AT = "cai_seen_at"
#: The last activity is written at most this often (one session write a minute, not one
#: per request).
WRITE_EVERY_SECONDS = 60
#: Sent by pages that refresh themselves (the permanence queue): not the person's activity.
POLL_HEADER = "X-CAI-Poll"


@receiver(user_logged_in)
def _stamp_login(*, request: HttpRequest, **_kwargs: Any) -> None:
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def idle_seconds() -> int:
    return int(settings.CAI_SESSION_IDLE_MINUTES) * 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if user.is_authenticated:
            now = int(time.time())
            login_at = int(request.session.get(LOGIN_AT, now))
            seen_at = int(request.session.get(SEEN_AT, now))
            if now - seen_at > idle_seconds():
                return self._end(
                    request,
                    _("Session fermée après %(minutes)s minutes sans activité : reconnectez-vous.")
                    % {"minutes": settings.CAI_SESSION_IDLE_MINUTES},
                )
            if now - login_at > settings.SESSION_COOKIE_AGE:
                return self._end(
                    request,
                    _("Session fermée après %(hours)s heures : reconnectez-vous.")
                    % {"hours": settings.SESSION_COOKIE_AGE // 3600},
                )
            request.session.setdefault(LOGIN_AT, login_at)
            polling = request.headers.get(POLL_HEADER) == "1"  # a page refreshing itself
            if not polling and (
                now - seen_at >= WRITE_EVERY_SECONDS or SEEN_AT not in request.session
            ):
                request.session[SEEN_AT] = now
        return self.get_response(request)

    @staticmethod
    def _end(request: HttpRequest, message: str) -> HttpResponse:
        path = request.get_full_path()
        logout(request)
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"expired": True}, status=401)
        messages.info(request, message)
        return redirect(
            f"{reverse('login')}?next={path}" if request.method == "GET" else reverse("login")
        )


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """« Rester connecté·e »: the activity counts from now (the 10 hours do not move)."""
    request.session[SEEN_AT] = int(time.time())
    return JsonResponse({"idle_seconds": idle_seconds()})
