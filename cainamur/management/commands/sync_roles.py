from django.core.management.base import BaseCommand

from cainamur.services import roles_sync


class Command(BaseCommand):
    help = "Crée les groupes de rôles et leur donne exactement les permissions prévues."

    def handle(self, *args: object, **options: object) -> None:
        roles_sync()
        self.stdout.write(self.style.SUCCESS("Rôles synchronisés."))
