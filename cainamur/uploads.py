"""Uploaded documents are data, never markup.

* Only PDF, JPEG and PNG are accepted, recognised by their content (``filetype`` reads the
  magic bytes; Pillow verifies an image), whatever their name or declared type says.
* The size limit is checked while the upload streams in (``LimitedUploadHandler``): past
  the limit nothing more is written and the form says the file is too large.
* They are stored under random names (``RandomName``): a person's name or a file name
  never reaches the disk or a URL.
* They are served only as attachments, with their validated type, ``nosniff`` and a
  sandboxing Content-Security-Policy (``document_response``).
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any, Final

import filetype
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

#: Accepted documents: detected MIME type -> extension on disk.
ACCEPTED: Final[dict[str, str]] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
ACCEPT_ATTRIBUTE: Final = ",".join(ACCEPTED)
#: What a document download may do in a browser: nothing (a PDF viewer still shows it).
DOCUMENT_CSP: Final = "default-src 'none'; sandbox"


def max_bytes() -> int:
    return int(settings.CAI_UPLOAD_MAX_MB) * 1024 * 1024


class TooLargeUpload(UploadedFile):
    """What remains of an upload stopped at the size limit: its size, no content."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(file=None, name=name, content_type="", size=size)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Writes each file to a temporary file until the limit; past it, stops writing and
    hands the form a ``TooLargeUpload`` (the limit is checked as the upload streams, not
    after it)."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.too_large or self.received > max_bytes():
            self.too_large = True
            return None  # swallowed: nothing more is written
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.too_large:
            self.file.close()  # the temporary file is deleted on close
            return TooLargeUpload(self.file_name or "", self.received)
        return super().file_complete(file_size)


def detect(upload: Any) -> str | None:
    """The accepted MIME type of an upload, read from its content; None if not accepted."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime not in ACCEPTED:
        return None
    if mime.startswith("image/"):
        try:
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return None
        finally:
            upload.seek(0)
    if mime == "application/pdf" and b"%%EOF" not in _tail(upload):
        return None
    upload.seek(position)
    return mime


def _tail(upload: Any, size: int = 2048) -> bytes:
    upload.seek(0, 2)
    end = upload.tell()
    upload.seek(max(0, end - size))
    tail = bytes(upload.read())
    upload.seek(0)
    return tail


class DocumentField(forms.FileField):
    """A PDF, JPEG or PNG document within the size limit, recognised by its content."""

    default_error_messages = {
        "too_large": _("Le fichier dépasse %(limit)s Mo."),
        "not_a_document": _(
            "Ce fichier n'est pas un PDF, un JPEG ni un PNG lisible : joignez le document "
            "dans l'un de ces formats."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput)
        super().__init__(*args, **kwargs)
        self.widget.attrs["accept"] = ACCEPT_ATTRIBUTE

    def to_python(self, data: Any) -> Any:
        if isinstance(data, TooLargeUpload) or (
            isinstance(data, UploadedFile) and (data.size or 0) > max_bytes()
        ):
            raise forms.ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"limit": settings.CAI_UPLOAD_MAX_MB},
            )
        upload = super().to_python(data)
        if upload is not None and detect(upload) is None:
            raise forms.ValidationError(self.error_messages["not_a_document"], code="invalid")
        return upload


@deconstructible
class RandomName:
    """``upload_to``: ``<folder>/<year>/<random>.<ext>``; the extension follows the
    detected content, never the name the user's file had."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, _instance: Any, filename: str) -> str:
        extension = PurePosixPath(filename).suffix.lower()
        if extension not in ACCEPTED.values() and extension != ".jpeg":
            extension = ""
        return f"{self.folder}/{timezone.now():%Y}/{uuid.uuid4().hex}{extension}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


class DocumentFileField(models.FileField):
    """A model field for uploaded documents: every form built from it (the app's and the
    admin's) takes a ``DocumentField``, and its files get random names."""

    def __init__(self, *args: Any, folder: str = "documents", **kwargs: Any) -> None:
        kwargs.setdefault("upload_to", RandomName(folder))
        self.folder = folder
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["folder"] = self.folder
        kwargs.pop("upload_to", None)
        return name, path, args, kwargs

    def formfield(  # type: ignore[override]  # django-stubs types the keywords one by one
        self, **kwargs: Any
    ) -> forms.Field | None:
        return super().formfield(**{"form_class": DocumentField, **kwargs})


def document_response(document: FieldFile, *, download_name: str) -> FileResponse:
    """A stored document as an attachment, with the type read from its content (a stored
    file that is not an accepted document is sent as opaque bytes), ``nosniff`` and a
    sandbox that forbids anything active."""
    handle = document.open("rb")
    mime = detect(handle) or "application/octet-stream"
    extension = ACCEPTED.get(mime, "")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{download_name}{extension}",
        content_type=mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOCUMENT_CSP
    return response
