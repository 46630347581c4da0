"""Re-encrypt everything with the first key of CAI_DATA_KEYS (README, « Clés »)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cainamur.key_rotation import RotationError, rotate_all


class Command(BaseCommand):
    help = (
        "Rechiffre les numéros de registre national, les valeurs chiffrées des instantanés et "
        "les fichiers stockés avec la première clé de CAI_DATA_KEYS, et recalcule les index "
        "aveugles avec CAI_INDEX_KEY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Compter ce qui changerait, sans rien écrire."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        try:
            report = rotate_all(dry_run=dry_run)
        except RotationError as error:
            raise CommandError(str(error)) from error
        verb = "à rechiffrer" if dry_run else "rechiffrée(s)"
        for table, count in sorted(report.rows.items()):
            self.stdout.write(f"{table} : {count} ligne(s) {verb}")
        self.stdout.write(
            f"Fichiers : {report.files} sur {report.files_seen} "
            f"{'à rechiffrer' if dry_run else 'rechiffré(s)'}"
        )
        if not report.rows and not report.files:
            self.stdout.write("Tout est déjà chiffré avec la première clé.")
