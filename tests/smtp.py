"""A real SMTP server on localhost (aiosmtpd) for integration tests and the benchmark."""

from __future__ import annotations

import email
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    def attachments(self) -> list[tuple[str, str, bytes]]:
        return [
            (part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True))
            for part in self.message.walk()
            if part.get_filename()
        ]


@dataclass
class Inbox:
    """What the server received; ``failing`` makes it answer 451 (try again later)."""

    received: list[Received] = field(default_factory=list)
    failing: bool = False
    failure: str = "451 4.3.0 Boîte temporairement indisponible"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.failing:
            return self.failure
        with self.lock:
            self.received.append(
                Received(
                    sender=envelope.mail_from,
                    recipients=list(envelope.rcpt_tos),
                    message=email.message_from_bytes(envelope.content),
                )
            )
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, int]]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: one line per command
    inbox = inbox or Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
