"""The first step of every deployment (docs/operations.md): ``collectstatic`` with the
production settings (WhiteNoise's compressed manifest storage) succeeds on what the
repository ships, and the manifest names the files the pages ask for.

The manifest storage follows every url() and sourceMappingURL of every stylesheet: a
vendored CSS whose map was not vendored beside it made the command fail (Bootstrap RTL,
issue 17), which no test in development mode could see."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from cainamur.settings import BASE_DIR


def test_collectstatic_with_the_production_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CAI_", "EMAIL_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-production-like-secret-key-for-collectstatic-" + "x" * 20,
        DJANGO_ALLOWED_HOSTS="cai.example.test",
        CAI_DATA_KEYS=",".join(settings.CAI_DATA_KEYS),
        CAI_INDEX_KEY=settings.CAI_INDEX_KEY,
        CAI_VAR_DIR=str(tmp_path / "var"),
        CAI_STATIC_ROOT=str(tmp_path / "static"),
        EMAIL_HOST="127.0.0.1",
    )
    # Production needs a database address; collecting the files never connects to it
    # (and `make test` on the embedded PostgreSQL has none to inherit).
    env["DATABASE_URL"] = "postgres://cai@db.example.test:5432/cai"
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    for name in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.rtl.min.css",
        "css/public.css",
        "fonts/NotoNaskhArabic-Regular.ttf",
    ):
        assert name in manifest, name
        assert (tmp_path / "static" / manifest[name]).is_file()
        assert (tmp_path / "static" / (manifest[name] + ".gz")).is_file()
