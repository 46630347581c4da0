"""Documents: a pure function from a template and a data snapshot to PDF bytes.

WeasyPrint renders with the fonts shipped in ``static/fonts/`` (the same output and speed
on every machine) and may not fetch anything from the network: only files under
``static/`` can be referenced.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

STATIC_DIR = Path(settings.BASE_DIR) / "static"


def _local_only_fetcher() -> Any:
    """A WeasyPrint fetcher that reads files under static/ and nothing else."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("file://"):
                raise ValueError(f"Documents may not fetch {url!r}: only files under static/.")
            path = Path(unquote(url.removeprefix("file://").split("?")[0])).resolve()
            if STATIC_DIR.resolve() not in path.parents:
                raise ValueError(f"Documents may not read {path}.")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("file",))


def render_pdf(template_name: str, context: dict[str, Any], *, language: str = "fr") -> bytes:
    """Render ``template_name`` (under templates/pdf/) with ``context`` to PDF bytes."""
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(template_name, {**context, "fonts_dir": STATIC_DIR / "fonts"})
    document = HTML(string=html, base_url=str(STATIC_DIR) + "/", url_fetcher=_local_only_fetcher())
    return document.write_pdf()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
