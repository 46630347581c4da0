"""Restore a backup into an empty database and storage (docs/operations.md, « Restaurer »)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cainamur.backup import BackupError, backup_restore, backup_verify, describe


class Command(BaseCommand):
    help = (
        "Vérifie une sauvegarde (sceau, sommes SHA-256) puis la restaure dans la base de "
        "DATABASE_URL, qui doit être vide, et dans le stockage des fichiers, vide lui aussi."
    )
    # The database is empty until the restore: no check may read it first.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="Dossier de la sauvegarde.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Vérifier la sauvegarde seulement (rien n'est écrit).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        try:
            manifest = backup_verify(source)
            self.stdout.write(f"Sauvegarde intègre : {describe(manifest)}.")
            if options["check"]:
                return
            report = backup_restore(source=source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restauré : {report.tables} tables, {report.rows} lignes, {report.files} fichiers. "
            "Les sessions ne sont pas sauvegardées : chacun se reconnecte."
        )
