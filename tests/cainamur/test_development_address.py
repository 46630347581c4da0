"""In development, QR codes and the links in messages carry the address the development
server serves: `make run` hands its HOST:PORT to settings.CAI_PUBLIC_URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# A target added on the command line: prints the public address as a command `make` runs
# sees it (with what the Makefile exports).
PRINT_PUBLIC_URL = (
    f"public-url: ; @{sys.executable} -c 'import cainamur.settings as s; print(s.CAI_PUBLIC_URL)'"
)


def make(*args: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        # Nothing from a calling `make` (an inherited HOST or PORT would replace the defaults).
        if k not in ("CAI_PUBLIC_URL", "CAI_DEV_SERVER", "HOST", "PORT")
        and not k.startswith(("MAKE", "MFLAGS"))
    }
    # The settings read it; nothing connects.
    env.update(DJANGO_DEBUG="1", DATABASE_URL="postgres://unused@127.0.0.1:1/unused")
    result = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ((), "http://127.0.0.1:8000"),
        (("HOST=localhost", "PORT=8010"), "http://localhost:8010"),
        # Every interface: reached through the loopback, which ALLOWED_HOSTS lets in.
        (("HOST=0.0.0.0", "PORT=8020"), "http://127.0.0.1:8020"),
    ],
)
def test_in_development_the_public_address_is_the_one_make_run_serves(
    arguments: tuple[str, ...], expected: str
) -> None:
    (serve,) = [line for line in make("-n", "run", *arguments).splitlines() if "runserver" in line]
    host, port = serve.split("runserver", 1)[1].strip().rsplit(":", 1)
    public = make("-s", f"--eval={PRINT_PUBLIC_URL}", "public-url", *arguments).strip()
    assert public == expected
    assert urlsplit(public).port == int(port)
    assert urlsplit(public).hostname == host or host == "0.0.0.0"
