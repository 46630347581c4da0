"""The file list narrowed to the files behind a figure (« pilotage »): ``reporting``, a
floor above, registers the resolver at start-up; this app knows only the parameter that
asks for it and what the resolver gives back. The files stay within what the user may
open: the resolver narrows the list's own scoped queryset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import QuerySet

from beneficiaries.models import Beneficiary
from cainamur.models import User

#: The query parameter that names the figure (indicator and value).
PARAMETER = "pilotage"


@dataclass(frozen=True)
class Narrowing:
    """The files behind a figure, what to say about them, the way back, and the
    parameters a search or a next page must carry along (hidden in the list's form)."""

    files: QuerySet[Beneficiary]
    title: str
    back_url: str = ""
    params: list[tuple[str, str]] = field(default_factory=list)
    problem: str = ""


class Resolver(Protocol):
    def __call__(
        self, files: QuerySet[Beneficiary], user: User, data: Mapping[str, str]
    ) -> Narrowing: ...


_resolvers: list[Resolver] = []


def register(resolver: Resolver) -> None:
    _resolvers[:] = [resolver]


def narrow(files: QuerySet[Beneficiary], user: User, data: Mapping[str, str]) -> Narrowing | None:
    """The list narrowed as ``data`` asks (None when it does not ask; an empty list with a
    problem when nothing resolves it)."""
    if not data.get(PARAMETER):
        return None
    if not _resolvers:
        return Narrowing(files.none(), title="", problem="unavailable")
    return _resolvers[0](files, user, data)
