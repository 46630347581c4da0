"""The file page, reachable from lower floors without importing it.

A form posted from the file page (hours, convention, orientation...) that is refused must
come back on the page with what was typed and its errors. The views handling those forms
live in the apps below ``home/``, which composes the page; ``home`` registers its renderer
here when Django starts, and the apps call :func:`render`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.db import models
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse

Renderer = Callable[..., HttpResponse]
_renderer: list[Renderer] = []


def register(renderer: Renderer) -> None:
    _renderer[:] = [renderer]


def render(
    request: HttpRequest, beneficiary: models.Model, *, forms: Mapping[str, BaseForm]
) -> HttpResponse:
    """The file page again, with the refused forms bound to what was typed (answered 400).
    ``beneficiary`` is the file (``beneficiaries.Beneficiary``, a floor above)."""
    if not _renderer:
        raise RuntimeError("No file page renderer registered (is 'home' installed?)")
    return _renderer[0](request, beneficiary, forms=dict(forms))
