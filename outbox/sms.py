"""Sending SMS through a pluggable backend (``CAI_SMS_BACKEND``, a dotted path).

The development backend writes each message to a file; production plugs the provider's
API in a class with the same ``send`` method. Failures raise ``OSError`` (passing, retried)
or ``SmsRefused`` (permanent, e.g. an invalid number).
"""

from __future__ import annotations

import logging
import math
import unicodedata
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


# The GSM 03.38 alphabet: a message written only with it takes 160 characters a segment
# (153 when split); any other character makes the whole message Unicode (70, then 67).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")  # two characters' room each
_NEAREST = {"«": '"', "»": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"}
_NEAREST |= {"…": "...", "\u00a0": " ", "\u202f": " ", "œ": "oe", "Œ": "OE", "·": "."}


def gsm7(text: str) -> str:
    """The text with each character the GSM alphabet lacks replaced by its nearest one
    (« » by ", ç by c, û by u...), so that it travels at 160 characters a segment; a
    character with no such neighbour is kept (the message then goes as Unicode)."""

    def nearest(char: str) -> str:
        if char in GSM_BASIC or char in GSM_EXTENDED:
            return char
        if char in _NEAREST:
            return _NEAREST[char]
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        return base if base and all(c in GSM_BASIC for c in base) else char

    return "".join(nearest(char) for char in text)


def sms_segments(body: str) -> int:
    """How many segments (billed messages) the body takes."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in body):
        septets = len(body) + sum(1 for char in body if char in GSM_EXTENDED)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


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
        logger.info(
            "SMS written to var/mail/%s (%s characters, %s segment(s))",
            name,
            len(message.body),
            sms_segments(message.body),
        )
        return name


class LocmemBackend:
    """Tests: messages are kept in ``outbox`` (like Django's locmem e-mail backend)."""

    outbox: list[Sms] = []

    def send(self, message: Sms) -> str:
        self.outbox.append(message)
        return f"locmem-{len(self.outbox)}"


def sms_backend() -> SmsBackend:
    return import_string(settings.CAI_SMS_BACKEND)()
