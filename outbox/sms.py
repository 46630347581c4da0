"""Sending SMS through a pluggable backend (``CAI_SMS_BACKEND``, a dotted path).

The development backend writes each message to a file; production plugs the provider's
API in a class with the same ``send`` method. Failures raise ``OSError`` (passing, retried)
or ``SmsRefused`` (permanent, e.g. an invalid number).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    to: str  # E.164
    body: str


class SmsRefused(Exception):
    """The provider will never deliver this message (bad number, blocked...)."""


class SmsBackend(Protocol):
    def send(self, message: Sms) -> str:
        """Send it; return the provider's message id."""


class FileBackend:
    """Development: each message is written to a file under ``var/mail/`` (like the mails);
    the log only says that one was written."""

    def send(self, message: Sms) -> str:
        folder = Path(settings.VAR_DIR) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"sms-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
        (folder / name).write_text(f"To: {message.to}\n\n{message.body}\n", encoding="utf-8")
        logger.info("SMS written to var/mail/%s (%s characters)", name, len(message.body))
        return name


class LocmemBackend:
    """Tests: messages are kept in ``outbox`` (like Django's locmem e-mail backend)."""

    outbox: list[Sms] = []

    def send(self, message: Sms) -> str:
        self.outbox.append(message)
        return f"locmem-{len(self.outbox)}"


def sms_backend() -> SmsBackend:
    return import_string(settings.CAI_SMS_BACKEND)()
