"""Sending SMS through a pluggable backend (``CAI_SMS_BACKEND``, a dotted path).

The development backend writes the message to the log; production plugs the provider's
API in a class with the same ``send`` method. Failures raise ``OSError`` (passing, retried)
or ``SmsRefused`` (permanent, e.g. an invalid number).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
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


class LogBackend:
    """Development: the message goes to the log (phone numbers are masked there)."""

    def send(self, message: Sms) -> str:
        logger.info("SMS to %s: %s", message.to, message.body)
        return "log"


class LocmemBackend:
    """Tests: messages are kept in ``outbox`` (like Django's locmem e-mail backend)."""

    outbox: list[Sms] = []

    def send(self, message: Sms) -> str:
        self.outbox.append(message)
        return f"locmem-{len(self.outbox)}"


def sms_backend() -> SmsBackend:
    return import_string(settings.CAI_SMS_BACKEND)()  # type: ignore[no-any-return]
