"""Non-ASCII digits, NaN, 1E-9 or letters in any id or number a view reads give a French
error or a 404, never a 500 (issue 12, finding 9). The test walks every URL of the project
(not the admin) as a coordinator and as a caseworker, GET and POST, with every query or
form key the views read set to each tampered value."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cainamur.models import User
from tests.factories import BeneficiaryFactory

VALUES = ("²", "١٢", "NaN", "1E-9", "Infinity", "abc", "-1", "9" * 30, "1,5", "\u200b7")
#: The keys views read by hand (request.GET / request.POST), and the operators' lines.
KEYS = (
    "page", "bureau", "office", "dossier", "reporter", "staff", "semaine", "week", "jour",
    "day", "month", "year", "date", "slot", "since", "to", "file", "kind", "axis", "hours",
    "period_start", "period_end", "h_1", "d_1", "personne", "q", "term", "voluntary",
    "historique", "export", "operator", "index", "p", "confirm_distinct", "code", "next",
    "email", "outcome", "fine_amount", "sent_on", "outcome_on", "presence", "held_on",
)  # fmt: skip


def _urls(resolver: URLResolver, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            for name, kwargs in _urls(pattern, namespace):
                converters = getattr(pattern.pattern, "converters", {})
                found.append((name, {**dict.fromkeys(converters, 1), **kwargs}))
        elif isinstance(pattern, URLPattern) and pattern.name:
            converters = getattr(pattern.pattern, "converters", {})
            kwargs = {
                key: (1 if type(converter).__name__ == "IntConverter" else "x")
                for key, converter in converters.items()
            }
            found.append((prefix + pattern.name, kwargs))
    return found


@pytest.mark.parametrize("role", ["coordinator", "caseworker"])
def test_no_tampered_value_gives_a_500(
    login_client: Any, personas: dict[str, User], role: str, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    BeneficiaryFactory()  # so that id 1-like lookups meet a real row sometimes
    client = login_client(personas[role])
    client.raise_request_exception = False
    failures = []
    for name, kwargs in _urls(get_resolver()):
        if name in ("logout", "password_reset", "ops:health"):
            continue
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:
            continue
        for value in VALUES:
            data = dict.fromkeys(KEYS, value)
            for method in ("get", "post"):
                response = getattr(client, method)(url, data)
                if response.status_code >= 500:
                    failures.append((method, name, value, response.status_code))
    assert not failures, "\n".join(sorted({f"{m} {n} {v!r}" for m, n, v, _s in failures}))
