"""Benchmarks (``python -m bench.<name> --json``): shared plumbing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def throwaway_database(name: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh database on the server in use; yields its DATABASE_URL, drops it after
    (unless ``keep``). Django must be set up."""
    from django.conf import settings
    from django.db import connection

    from cainamur.embedded_db import connection_url

    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield connection_url(settings.DATABASES["default"], name=name)
    finally:
        if not keep:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def last_json_line(output: str) -> dict[str, Any]:
    return dict(json.loads(output.strip().splitlines()[-1]))


def save_result(name: str, result: dict[str, Any]) -> None:
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")


def verified_client(user: Any) -> Any:
    """A test client logged in as ``user`` with the second factor passed (as after the
    code): every staff page needs it."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Banc d'essai", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
