"""What the outbox needs from the apps whose messages it carries.

The outbox is transport only: rows, claim, send, retry, watch. It knows no domain. Each app
that sends messages registers, when Django starts (its ``AppConfig.ready``), one
:class:`MessageKind` per purpose key: whether a message can go now, the recipient's
address today, how the message is written, and what a person's resend records. Adding a
message type is one registration in the app that owns it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.core.mail import EmailMessage

    from cainamur.models import User
    from outbox.models import Dispatch
    from outbox.sms import Sms


class ResendHook(Protocol):
    def __call__(self, dispatch: Dispatch, *, by: User) -> None: ...


@dataclass(frozen=True)
class MessageKind:
    purpose: str
    # None = never (what it carries is gone: cancel the row), False = not yet, True = go.
    ready: Callable[[Dispatch], bool | None]
    # The recipient's address today ("" = none: the row waits for one).
    address: Callable[[Dispatch], str]
    compose: Callable[[Dispatch], EmailMessage | Sms]
    # Relations the claim loads with the row (select_related paths).
    related: tuple[str, ...] = ()
    # Called inside the resend's transaction, with the person who asked for it.
    on_resend: ResendHook | None = field(default=None)
    # Said to the person who asks to resend a message whose ``ready`` answers None.
    gone: str | Promise = field(default="")


_KINDS: dict[str, MessageKind] = {}


def register(kind: MessageKind) -> None:
    _KINDS[kind.purpose] = kind


def kind_of(purpose: str) -> MessageKind:
    try:
        return _KINDS[purpose]
    except KeyError:
        raise LookupError(f"No message kind registered for purpose {purpose!r}") from None


def related_paths() -> list[str]:
    return sorted({path for kind in _KINDS.values() for path in kind.related})
