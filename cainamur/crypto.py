"""Protection at rest (GDPR art. 25, 32): register numbers and documents are encrypted by
the application with keys of their own, never ``SECRET_KEY``.

* ``CAI_DATA_KEYS``: Fernet keys (``cryptography``), newest first. The first encrypts;
  every one of them decrypts (``MultiFernet``), so that a new key can be put in front and
  ``manage.py rotate_keys`` re-encrypt everything with it before the old one is removed.
* ``CAI_INDEX_KEY``: the HMAC key of the blind indexes, which find a register number by
  exact search and keep it unique without storing it in clear. ``rotate_keys`` recomputes
  them after this key changes.

``EncryptedTextField`` holds a text encrypted in the database and clear in Python; it
refuses every lookup but ``isnull`` and the triggers' « is distinct from » (an equality on
ciphertexts would silently find nothing: search through the blind index).
``EncryptedFileSystemStorage`` encrypts every stored file (uploads and generated PDFs) under
its random name; ``cainamur.s3.EncryptedS3Storage`` does the same in an S3-compatible bucket
(``CAI_STORAGE=s3``): files are encrypted before they leave the server.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage
from django.db import connection, models
from django.db.models.lookups import Exact
from django.utils.deconstruct import deconstructible

#: The first bytes of every file this storage writes: a file without them is an older,
#: clear file (read as it is until ``rotate_keys`` encrypts it).
FILE_MAGIC: Final = b"CAIENC1\n"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("CAI_DATA_KEYS must hold at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "CAI_DATA_KEYS: each key must be a Fernet key (32 bytes, URL-safe base64; "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CAI_DATA_KEYS))


def generate_key() -> str:
    return Fernet.generate_key().decode()


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return fernet().decrypt(token)


def encrypt_text(value: str) -> str:
    return encrypt_bytes(value.encode()).decode()


def decrypt_text(token: str) -> str:
    return decrypt_bytes(token.encode()).decode()


def needs_rotation(token: bytes) -> bool:
    """True when a token was not encrypted with the first key of ``CAI_DATA_KEYS``."""
    primary = Fernet(settings.CAI_DATA_KEYS[0].encode())
    try:
        primary.decrypt(token)
    except InvalidToken:
        return True
    return False


def rotate_text(token: str) -> str:
    """The same text encrypted with the first key (a no-op in meaning)."""
    return fernet().rotate(token.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed, deterministic fingerprint of a value: equal values give equal indexes, and
    nothing about the value can be read from it without ``CAI_INDEX_KEY``."""
    key = settings.CAI_INDEX_KEY.encode()
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def is_encrypted(token: str) -> bool:
    try:
        decrypt_text(token)
    except (InvalidToken, ValueError, TypeError):
        return False
    return True


class EncryptedTextField(models.TextField):
    """A text stored as a Fernet token, read back in clear. Only ``isnull`` may be looked up:
    search and uniqueness go through a blind index column beside it."""

    description = "Text encrypted with CAI_DATA_KEYS"

    def from_db_value(self, value: Any, _expression: Any, _connection: Any) -> str | None:
        if value is None or value == "":
            return value  # nothing was encrypted: an empty text stays empty
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None if value is None else ""
        return encrypt_text(str(value))

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]  # stubs: one by one
        # A one-line input, not the text area of a TextField.
        return super().formfield(**{"widget": forms.TextInput, **kwargs})

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _NoneOnlyExact  # `field=None` means isnull; any value is refused
        # isnull, and the trigger conditions of pgtrigger/pghistory (is distinct from).
        if lookup_name not in ("isnull", "df", "ndf"):
            return None  # Django answers « Unsupported lookup »
        return super().get_lookup(lookup_name)


class _NoneOnlyExact(Exact):
    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs is not None:
            raise FieldError(
                "An encrypted field cannot be compared: look it up through its blind index."
            )
        super().__init__(lhs, rhs)


if TYPE_CHECKING:
    _StorageBase = Storage
else:
    _StorageBase = object


class EncryptedStorageMixin(_StorageBase):
    """Encrypts every file on save and decrypts it on open, over any Django storage (the
    local disk, an S3-compatible bucket: ``cainamur/s3.py``). A file written before
    encryption (no ``FILE_MAGIC``) is read as it is.

    The backend below gives raw access to what is stored: ``read_stored`` (the bytes as
    they are kept), ``replace_stored`` (write them back under the same name) and
    ``stored_names`` (every file). Key rotation and backups work through these three."""

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        clear = b"".join(_chunks(content))
        return super()._save(name, ContentFile(FILE_MAGIC + encrypt_bytes(clear)))  # type: ignore[misc]  # not in the stubs

    def _open(self, name: str, mode: str = "rb") -> File:  # noqa: ARG002  # always binary
        return ContentFile(decrypt_stored(self.read_stored(name)), name=name)

    def size(self, name: str) -> int:
        with self._open(name) as handle:
            return int(handle.size)

    def read_stored(self, name: str) -> bytes:
        """The bytes kept for a file, still encrypted."""
        with super()._open(name, "rb") as handle:  # type: ignore[misc]  # not in the stubs
            return bytes(handle.read())

    def replace_stored(self, name: str, stored: bytes) -> None:
        """Write bytes as they are to keep (already encrypted) under this very name."""
        raise NotImplementedError

    def stored_names(self) -> Iterator[str]:
        """Every stored file's name, in a stable order."""
        raise NotImplementedError

    def needs_rewrite(self, name: str) -> bool:
        """True if a stored file is clear or encrypted with an older key."""
        stored = self.read_stored(name)
        return not stored.startswith(FILE_MAGIC) or needs_rotation(stored[len(FILE_MAGIC) :])

    def encrypt_in_place(self, name: str) -> bool:
        """Re-writes one stored file encrypted with the first key; True if it changed."""
        stored = self.read_stored(name)
        if stored.startswith(FILE_MAGIC):
            token = stored[len(FILE_MAGIC) :]
            if not needs_rotation(token):
                return False
            new = FILE_MAGIC + fernet().rotate(token)
        else:
            new = FILE_MAGIC + encrypt_bytes(stored)
        self.replace_stored(name, new)
        return True


@deconstructible
class EncryptedFileSystemStorage(EncryptedStorageMixin, FileSystemStorage):
    """Files encrypted on disk with ``CAI_DATA_KEYS`` (the name stays random and says
    nothing); reads give the clear content back."""

    def replace_stored(self, name: str, stored: bytes) -> None:
        # Through a temporary file and a rename: a reader never sees half a file.
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = f"{path}.rotating"
        with open(temporary, "wb") as handle:
            handle.write(stored)
        _replace(temporary, str(path))

    def stored_names(self) -> Iterator[str]:
        root = Path(self.location)
        if not root.exists():
            return
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            if not name.endswith(".rotating"):
                yield name


def decrypt_stored(stored: bytes) -> bytes:
    if stored.startswith(FILE_MAGIC):
        return decrypt_bytes(stored[len(FILE_MAGIC) :])
    return stored


def _chunks(content: File) -> Iterator[bytes]:
    for chunk in content.chunks():
        yield chunk if isinstance(chunk, bytes) else chunk.encode()


def _replace(source: str, target: str) -> None:
    os.replace(source, target)


class BlindIndexField(models.CharField):
    """The blind index of another field of the same model, computed on every save (and
    by ``bulk_create``): unique and searchable where the value itself is encrypted."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:  # noqa: ARG002
        value = getattr(model_instance, self.source)
        index = blind_index(value, purpose=self.source) if value else None
        setattr(model_instance, self.attname, index)
        return index

    def index_of(self, value: str) -> str:
        return blind_index(value, purpose=self.source)


def keys_read_stored_data() -> bool | None:
    """The canary of ``/health/``: True when ``CAI_DATA_KEYS`` decrypt one stored value
    (the wrong key would make every file page fail), None when nothing is stored yet."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, EncryptedTextField):
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(field.column)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {column} FROM {table} WHERE {column} <> '' LIMIT 1"  # noqa: S608
                )
                row = cursor.fetchone()
            if row is not None:
                return is_encrypted(row[0])
    return None
