"""The code a demo login's authenticator app would show now (development only)."""

from __future__ import annotations

from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from demo.data import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Affiche le code de double authentification du moment des comptes de démonstration."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code ne fonctionne qu'en mode développement (DJANGO_DEBUG=1).")
        totp = TOTP(unhexlify(DEMO_TOTP_KEY_HEX))
        left = totp.step - (int(totp.time) - totp.t0) % totp.step
        self.stdout.write(f"{totp.token():06d}  (valable encore {left} s)")
