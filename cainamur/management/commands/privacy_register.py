"""Write docs/privacy.md, the register of processing, from cainamur/privacy.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from cainamur.privacy import render_register


class Command(BaseCommand):
    help = "Écrit docs/privacy.md (registre des traitements) depuis cainamur/privacy.py."

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(settings.BASE_DIR) / "docs" / "privacy.md"
        target.write_text(render_register())
        self.stdout.write(f"{target} écrit.")
