"""Apply the retention periods now, or show what the next run would do (--dry-run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rights import retention


class Command(BaseCommand):
    help = "Anonymise ou supprime ce qui a dépassé sa durée de conservation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Afficher ce que le prochain passage ferait, sans rien changer.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        labels = {item.record_type: item for item in retention.due()}
        counts = retention.run(dry_run=dry_run)
        verb = "à traiter" if dry_run else "traité(s)"
        for record_type, count in counts.items():
            item = labels[record_type]
            self.stdout.write(
                f"{item.label} (plus de {item.months} mois, avant le "
                f"{item.before:%d/%m/%Y}) : {count} {verb}"
            )
