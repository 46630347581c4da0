"""Documents: a pure function from a template and a data snapshot to PDF bytes.

WeasyPrint renders with the fonts shipped in ``static/fonts/`` (the same output and speed
on every machine) and may not fetch anything from the network: only files under
``static/`` can be referenced.
"""

from __future__ import annotations

import atexit
import base64
import ctypes
import ctypes.util
import functools
import hashlib
import logging
import mimetypes
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from celery import Task
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cainamur.celery import queue_on_commit, retry_countdown
from cainamur.models import Centre, PdfStatus, RenderedPdf

logger = logging.getLogger(__name__)

Doc = TypeVar("Doc", bound=RenderedPdf)

STATIC_DIR = Path(settings.BASE_DIR) / "static"


def _local_only_fetcher() -> Any:
    """A WeasyPrint fetcher that reads files under static/ and nothing else."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)  # inline images (an uploaded logo)
            if not url.startswith("file://"):
                raise ValueError(f"Documents may not fetch {url!r}: only files under static/.")
            path = Path(unquote(url.removeprefix("file://").split("?")[0])).resolve()
            if STATIC_DIR.resolve() not in path.parents:
                raise ValueError(f"Documents may not read {path}.")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("file", "data"))


# WeasyPrint's own user-agent stylesheet styles every HTML element there is; matching it
# is a good part of the rendering time. Documents use a handful of elements: this covers
# them and nothing else (anything new in a document template must be added here).
LEAN_UA_CSS = """
html, body, div, p, h1, h2, h3, ul, ol, li, header, footer, section { display: block; }
head, style, title, meta, script { display: none; }
table { display: table; border-spacing: 0; }
thead { display: table-header-group; } tbody { display: table-row-group; }
tr { display: table-row; } td, th { display: table-cell; }
img { display: inline-block; }
ul, ol { padding-left: 1.5em; } li { display: list-item; }
b, strong, th, h1, h2, h3 { font-weight: bold; }
i, em { font-style: italic; }
p, ul, ol { margin: 0.8em 0; }
br::before { content: "\\A"; white-space: pre-line; }
[dir="rtl"] { direction: rtl; } [dir="ltr"] { direction: ltr; }
"""


@functools.cache
def _engine() -> tuple[Any, Any, Any]:
    """The font configuration, user-agent stylesheet and fetcher, built once per process
    (a warm worker renders without reloading fonts or re-parsing CSS)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    _free_what_weasyprint_keeps()
    fetcher = _local_only_fetcher()
    return FontConfiguration(), CSS(string=LEAN_UA_CSS, url_fetcher=fetcher), fetcher


#: The WeasyPrint whose leak ``_free_what_weasyprint_keeps`` stops (checked by a test: an
#: upgrade must look again before the shim is kept or dropped).
WEASYPRINT_LEAKING = "70.0"


def _free_what_weasyprint_keeps() -> bool:
    """WeasyPrint 70 never frees two things it asks Pango for, for every font of every PDF
    it writes (``weasyprint/pdf/fonts.py``, ``Font.__init__``): the metrics of
    ``pango_font_get_metrics`` and the string of ``pango_font_description_to_string``. A
    worker grew by 2–3 kB per attestation (4 MB over 1,000, never given back). Its font
    module is handed a Pango whose two calls return objects the garbage collector frees.
    Returns whether the shim is in place."""
    import weasyprint
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.text.ffi import ffi, pango

    if weasyprint.__version__ != WEASYPRINT_LEAKING or pdf_fonts.pango is not pango:
        return isinstance(pdf_fonts.pango, _PangoThatFrees)
    glib_name = ctypes.util.find_library("glib-2.0")
    if glib_name is None:
        return False
    g_free = ctypes.CDLL(glib_name).g_free
    g_free.argtypes = [ctypes.c_void_p]

    def description_to_string(description: Any) -> Any:
        raw = pango.pango_font_description_to_string(description)
        try:
            return ffi.new("char[]", ffi.string(raw))
        finally:
            g_free(int(ffi.cast("uintptr_t", raw)))

    def font_get_metrics(font: Any, language: Any) -> Any:
        metrics = pango.pango_font_get_metrics(font, language)
        return ffi.gc(metrics, pango.pango_font_metrics_unref)

    pdf_fonts.pango = _PangoThatFrees(
        pango,
        pango_font_description_to_string=description_to_string,
        pango_font_get_metrics=font_get_metrics,
    )
    return True


class _PangoThatFrees:
    """Pango's functions as WeasyPrint's ``ffi`` declares them, two of them replaced."""

    def __init__(self, pango: Any, **replaced: Callable[..., Any]) -> None:
        self._pango = pango
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pango, name)


# Release the fonts before the interpreter tears its modules down (else a harmless but
# noisy error from FontConfiguration.__del__ at exit).
@atexit.register
def _release_fonts() -> None:
    _stylesheet.cache_clear()
    _engine.cache_clear()


@functools.cache
def _stylesheet(name: str) -> Any:
    """``static/pdf/<name>`` compiled once, its @font-face rules registered once."""
    from weasyprint import CSS

    font_config, _ua, fetcher = _engine()
    path = STATIC_DIR / "pdf" / name
    return CSS(filename=str(path), url_fetcher=fetcher, font_config=font_config)


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    stylesheet: str = "document.css",
    language: str = "fr",
) -> bytes:
    """Render ``template_name`` (under templates/pdf/) with ``context`` to PDF bytes, styled
    by ``static/pdf/common.css`` then ``static/pdf/<stylesheet>``."""
    from weasyprint import HTML

    class LeanHTML(HTML):
        def _ua_stylesheets(self, _forms: bool = False) -> list[Any]:
            return [ua]

    font_config, ua, fetcher = _engine()
    centre = context.get("centre")
    if isinstance(centre, dict):  # the snapshot names the logo; the document shows it
        context = {**context, "centre": {**centre, "logo": logo_uri(centre.get("logo", ""))}}
    with translation.override(language):
        html = render_to_string(template_name, context)
    document = LeanHTML(string=html, base_url=str(STATIC_DIR) + "/", url_fetcher=fetcher)
    stylesheets = [_stylesheet("common.css"), _stylesheet(stylesheet)]
    return document.write_pdf(stylesheets=stylesheets, font_config=font_config)


@functools.cache
def _placeholder_logo() -> str:
    """Printed until an administrator uploads the centre's logo (admin: identité du centre)."""
    content = (STATIC_DIR / "img" / "logo-placeholder.png").read_bytes()
    return f"data:image/png;base64,{base64.b64encode(content).decode()}"


def _logo_reference(centre: Centre) -> str:
    """A content-addressed copy of the uploaded logo (``centre/logos/<sha256>.<ext>``),
    written once: snapshots name it instead of carrying the image, and it never changes
    under a document that was issued with it."""
    if not centre.logo:
        return ""
    with centre.logo.open("rb") as handle:
        content = handle.read()
    extension = Path(centre.logo.name).suffix.lower() or ".png"
    name = f"centre/logos/{sha256(content)}{extension}"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))
    return name


@functools.lru_cache(maxsize=16)
def logo_uri(reference: str) -> str:
    """The logo a snapshot names, as a data URI (the placeholder when there is none)."""
    if not reference:
        return _placeholder_logo()
    if reference.startswith("data:"):
        return reference
    with default_storage.open(reference, "rb") as handle:
        content = handle.read()
    mime = mimetypes.guess_type(reference)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def centre_snapshot(centre: Centre | None = None) -> dict[str, str]:
    """The centre's identity as printed on documents (the logo by reference)."""
    centre = centre or Centre.current()
    logo = _logo_reference(centre)
    return {
        "name": centre.name,
        "description": centre.description,
        "address": f"{centre.street}, {centre.postal_code} {centre.city}",
        "contact": " · ".join(x for x in (centre.phone, centre.email, centre.website) if x),
        "logo": logo,
        "place": centre.place_of_issue,
        "signatory_name": centre.signatory_name,
        "signatory_function": centre.signatory_function,
    }


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def pdf_store(
    model: type[Doc],
    pk: int,
    *,
    render: Callable[[Doc], bytes],
    filename: Callable[[Doc], str],
    related: tuple[str, ...] = (),
) -> bool:
    """Render a record's PDF and store it with its SHA-256, once; True if it rendered it
    now, False if it was already stored.

    The row is locked while rendering: a task delivered twice waits, then finds the PDF
    stored and does nothing.
    """
    with transaction.atomic():
        document = (
            model._default_manager.select_for_update(of=("self",))
            .select_related(*related)
            .get(pk=pk)
        )
        if document.pdf_status == PdfStatus.READY:
            return False
        content = render(document)
        document.pdf.save(filename(document), ContentFile(content), save=False)  # type: ignore[attr-defined]
        document.pdf_sha256 = sha256(content)
        document.pdf_status = PdfStatus.READY
        document.pdf_error = ""
        document.save(update_fields=["pdf", "pdf_sha256", "pdf_status", "pdf_error"])
        return True


def pdf_failed(model: type[RenderedPdf], pk: int, error: BaseException) -> None:
    """Leave a visible, retryable state after the last attempt failed."""
    message = f"{type(error).__name__}: {error}"[:500]
    model._default_manager.filter(pk=pk).exclude(pdf_status=PdfStatus.READY).update(
        pdf_status=PdfStatus.FAILED, pdf_error=message
    )


def pdf_retry(model: type[RenderedPdf], pk: int) -> bool:
    """Put a failed PDF back in preparation; the caller queues the task after commit."""
    return bool(
        model._default_manager.filter(pk=pk, pdf_status=PdfStatus.FAILED).update(
            pdf_status=PdfStatus.PENDING, pdf_error=""
        )
    )


#: Failures that may pass: a full or unreachable disk or bucket, a database restarting.
PASSING_ERRORS = (OSError, OperationalError)


def pdf_task_run(
    task: Task,
    *,
    model: type[RenderedPdf],
    pk: int,
    store: Callable[[int], bool],
    then: Callable[[int], object] | None = None,
) -> bool:
    """The body of every document's rendering task (attestation, convention): render and
    store the PDF once. A passing failure (disk, storage, database) is retried with
    backoff; after the last attempt, or on any other error, the record shows « échec »
    with a button to try again. Returns whether a PDF was stored by this run.

    ``then`` (the attestation's copies) runs whenever the PDF is stored, by this run or
    an earlier one that died before it: it must be safe to run twice. Its passing failures
    are retried too."""
    try:
        stored = store(pk)
    except Exception as error:
        if isinstance(error, PASSING_ERRORS) and task.request.retries < (task.max_retries or 0):
            raise task.retry(exc=error, countdown=retry_countdown(task.request.retries)) from error
        pdf_failed(model, pk, error)
        logger.exception("%s %s: PDF failed", model.__name__, pk)
        return False
    if then is not None:
        try:
            then(pk)
        except PASSING_ERRORS as error:
            raise task.retry(exc=error, countdown=retry_countdown(task.request.retries)) from error
    return stored


def pdf_requeue_pending(model: type[RenderedPdf], *, task_name: str, since: str) -> int:
    """PDFs still « en préparation » longer than a render can take (their task was lost:
    a worker died, or the broker was down when it was queued): queue them again, each at
    most once per that delay (tasks do not pile up while the workers are down; a second
    task for one PDF waits for the first and does nothing). ``since`` names the field that
    dates the request. Returns how many."""
    seconds = int(settings.PDF_TASK_TIME_LIMITS[1]) + 30  # 2 minutes
    limit = timezone.now() - timedelta(seconds=seconds)
    ids = list(
        model._default_manager.filter(pdf_status=PdfStatus.PENDING, **{f"{since}__lt": limit})
        .values_list("pk", flat=True)
        .order_by("pk")[:500]
    )
    queued = 0
    for pk in ids:
        try:
            first = cache.add(f"pdf-requeued:{model._meta.label_lower}:{pk}", 1, seconds)
        except Exception:  # the cache is down: queue it (a duplicate task does nothing)
            first = True
        if first:
            queue_on_commit(task_name, pk)
            queued += 1
    return queued
