"""Media in an S3-compatible bucket (``CAI_STORAGE=s3``, cainamur/s3.py), encrypted before
upload. The bucket is moto's S3 server, started by this module on a free port: a stand-in
for a real provider (same HTTP API through boto3), not a proof of any provider's
behaviour."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.storage.handler import StorageHandler

from cainamur import backup
from cainamur.crypto import FILE_MAGIC
from cainamur.key_rotation import rotate_all
from cainamur.s3 import EncryptedS3Storage

PDF = b"%PDF-1.4 attestation de Amina BENALI %%EOF"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # The standard variables boto3 reads (moto accepts any).
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "cai-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "cai-test-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _bucket(endpoint: str) -> str:
    name = f"cai-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return name


def _options(endpoint: str, bucket: str, prefix: str = "") -> dict[str, Any]:
    # What cainamur/settings.py builds from CAI_S3_BUCKET, CAI_S3_ENDPOINT_URL, ...
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": "eu-west-1",
        "location": prefix,
    }


@pytest.fixture
def s3_storage(moto_endpoint: str, aws: None, settings: Any) -> tuple[str, str]:
    bucket = _bucket(moto_endpoint)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "cainamur.s3.EncryptedS3Storage",
            "OPTIONS": _options(moto_endpoint, bucket, "media"),
        },
    }
    return moto_endpoint, bucket


def _objects(endpoint: str, bucket: str) -> dict[str, Any]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1")
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"]) for item in listing}


def test_files_reach_the_bucket_encrypted(s3_storage: tuple[str, str]) -> None:
    endpoint, bucket = s3_storage
    name = default_storage.save("attestations/2026/a.pdf", ContentFile(PDF))
    again = default_storage.save("attestations/2026/a.pdf", ContentFile(b"%PDF other %%EOF"))
    assert isinstance(default_storage._wrapped, EncryptedS3Storage)
    assert name == "attestations/2026/a.pdf" and again != name  # never overwritten
    objects = _objects(endpoint, bucket)
    assert set(objects) == {f"media/{name}", f"media/{again}"}
    stored = objects[f"media/{name}"]
    body = stored["Body"].read()
    assert body.startswith(FILE_MAGIC) and b"BENALI" not in body and b"%PDF" not in body
    assert stored["ContentType"] == "application/octet-stream"
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == PDF
    assert default_storage.size(name) == len(PDF)
    assert list(default_storage.stored_names()) == sorted([name, again])  # type: ignore[attr-defined]
    default_storage.delete(again)
    assert not default_storage.exists(again) and default_storage.exists(name)


def test_rotate_keys_re_encrypts_the_bucket(
    s3_storage: tuple[str, str], settings: Any, db: None
) -> None:
    endpoint, bucket = s3_storage
    name = default_storage.save("documents/2026/piece.pdf", ContentFile(PDF))
    before = _objects(endpoint, bucket)[f"media/{name}"]["Body"].read()
    settings.CAI_DATA_KEYS = [Fernet.generate_key().decode(), *settings.CAI_DATA_KEYS]
    assert default_storage.needs_rewrite(name)  # type: ignore[attr-defined]
    report = rotate_all()
    assert (report.files_seen, report.files) == (1, 1)
    after = _objects(endpoint, bucket)[f"media/{name}"]["Body"].read()
    assert after != before and after.startswith(FILE_MAGIC)
    assert not default_storage.needs_rewrite(name)  # type: ignore[attr-defined]
    settings.CAI_DATA_KEYS = settings.CAI_DATA_KEYS[:1]  # the old key gone: still readable
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == PDF


def test_backed_up_media_restore_into_another_bucket(
    moto_endpoint: str, aws: None, tmp_path: Path
) -> None:
    fernet = backup.backup_fernet()
    source_bucket, target_bucket = _bucket(moto_endpoint), _bucket(moto_endpoint)
    handler = StorageHandler(
        {
            "source": {
                "BACKEND": "cainamur.s3.EncryptedS3Storage",
                "OPTIONS": _options(moto_endpoint, source_bucket),
            },
            "target": {
                "BACKEND": "cainamur.s3.EncryptedS3Storage",
                "OPTIONS": _options(moto_endpoint, target_bucket, "restored"),
            },
        }
    )
    source, target = handler["source"], handler["target"]
    names = [
        source.save(f"documents/2026/{n}.pdf", ContentFile(PDF + bytes([n]))) for n in range(3)
    ]
    parts: dict[str, Any] = {}
    media = backup._archive_media(tmp_path / backup.MEDIA_PART, fernet, source, parts)
    assert media["files"] == 3
    manifest = {"parts": parts, "media": media}
    assert backup._extract_media(tmp_path / backup.MEDIA_PART, fernet, target, manifest) == 3
    assert list(target.stored_names()) == sorted(names)
    for n, name in enumerate(names):
        assert target.read_stored(name) == source.read_stored(name)
        with target.open(name, "rb") as handle:
            assert handle.read() == PDF + bytes([n])


def _manage(env_extra: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAI_S3")}
    env.update(DJANGO_DEBUG="1", **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cai_storage_selects_the_bucket() -> None:
    code = (
        "from django.core.files.storage import default_storage as s; "
        "where = (s.bucket_name, s.location, s.endpoint_url); "
        "print(type(s._wrapped).__name__, *where)"
    )
    chosen = _manage(
        {
            "CAI_STORAGE": "s3",
            "CAI_S3_BUCKET": "cai-media",
            "CAI_S3_ENDPOINT_URL": "https://s3.example.be",
            "CAI_S3_PREFIX": "/prod/",
        },
        code,
    )
    assert chosen.returncode == 0, chosen.stderr
    assert "EncryptedS3Storage cai-media prod https://s3.example.be" in chosen.stdout
    missing = _manage({"CAI_STORAGE": "s3"}, code)
    assert missing.returncode != 0 and "CAI_S3_BUCKET must be set" in missing.stderr
    wrong = _manage({"CAI_STORAGE": "ftp"}, code)
    assert wrong.returncode != 0 and "CAI_STORAGE='ftp' must be one of" in wrong.stderr
