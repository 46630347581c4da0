"""The language of the public pages: chosen on the page (``?langue=ar``, a plain link that
works without JavaScript), remembered by a cookie, else the browser's first language the
centre writes in, else French. The staff's pages stay in French."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from beneficiaries.contact_languages import BY_CODE, SPOKEN_TO_CONTACT, ContactLanguage

COOKIE = "cai_langue"
COOKIE_AGE = 365 * 24 * 60 * 60
PARAMETER = "langue"


def chosen_language(request: HttpRequest) -> tuple[ContactLanguage, bool]:
    """The language to show, and whether it was chosen just now (to remember)."""
    asked = request.GET.get(PARAMETER, "")
    if asked in BY_CODE:
        return BY_CODE[asked], True
    remembered = request.COOKIES.get(COOKIE, "")
    if remembered in BY_CODE:
        return BY_CODE[remembered], False
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        code = code.lower()
        for candidate in (code, SPOKEN_TO_CONTACT.get(code, ""), code.split("-")[0]):
            if candidate in BY_CODE:
                return BY_CODE[candidate], False
    return BY_CODE["fr"], False


def in_person_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Runs the view (and renders its page) in the person's language; never cached by a
    proxy for someone else (the answer depends on the cookie)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language, chosen = chosen_language(request)
        request.person_language = language  # type: ignore[attr-defined]
        with translation.override(language.code):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        if chosen:
            response.set_cookie(
                COOKIE,
                language.code,
                max_age=COOKIE_AGE,
                samesite="Lax",
                secure=request.is_secure(),
            )
        response["Content-Language"] = language.code
        response["Vary"] = "Cookie, Accept-Language"
        # Same origin only: a private link never leaves in a Referer; not « no-referrer »,
        # with which Chromium posts forms with « Origin: null » (refused as CSRF).
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper
