"""Back up the database and the stored files, encrypted (docs/operations.md, « Sauvegardes »)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cainamur.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Sauvegarde la base (pg_dump) et les fichiers stockés, chiffrés avec CAI_BACKUP_KEYS, "
        "avec un manifeste (sommes SHA-256, lignes par table) dans un nouveau dossier."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--destination",
            type=Path,
            default=None,
            help="Dossier des sauvegardes (par défaut CAI_BACKUP_DIR).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Ne garder que les N sauvegardes les plus récentes de ce dossier.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        destination = Path(options["destination"] or settings.CAI_BACKUP_DIR)
        try:
            report = backup_create(destination=destination, keep=options["keep"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Sauvegarde écrite : {report.path} ({report.tables} tables, {report.rows} lignes, "
            f"{report.files} fichiers, {report.size / 1_000_000:.1f} Mo)."
        )
        for removed in report.removed:
            self.stdout.write(f"Ancienne sauvegarde supprimée : {removed.name}")
