"""The call-backs still to make as an export (``cainamur/exports.py``), oldest first, with
the office chosen on the page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.templatetags.languages import language_name
from cainamur.exports import Column, Source, Table, register
from cainamur.lib.http import is_id
from cainamur.models import User
from cainamur.permissions import FILE_ROLES
from offices.models import Office
from offices.selectors import visible_offices
from reception.models import Callback
from reception.selectors import open_callbacks


def _office(user: User, params: Mapping[str, str]) -> Office | None:
    wanted = params.get("bureau", "")
    return visible_offices(user).filter(pk=int(wanted)).first() if is_id(wanted) else None


def describe(user: User, params: Mapping[str, str]) -> list[tuple[str, str]]:
    office = _office(user, params)
    return [(_("Bureau"), office.name if office else _("tous mes bureaux"))]


COLUMNS = (
    Column(gettext_lazy("Reçu le"), "datetime", 17),
    Column(gettext_lazy("Urgence"), width=10),
    Column(gettext_lazy("Personne"), width=26),
    Column(gettext_lazy("Téléphone"), width=16),
    Column(gettext_lazy("Langue"), width=14),
    Column(gettext_lazy("Objet"), width=50),
    Column(gettext_lazy("Bureau"), width=16),
    Column(gettext_lazy("Pour"), width=20),
    Column(gettext_lazy("Tentatives"), "int", 10),
)


def _rows(callbacks: QuerySet[Callback]) -> Iterator[list[Any]]:
    for c in callbacks.iterator(chunk_size=2000):
        yield [
            c.created_at,
            c.get_urgency_display(),
            c.name,
            c.phone,
            language_name(c.language),
            c.subject,
            c.office.name,
            str(c.assigned_to) if c.assigned_to else _("le bureau"),
            c.attempt_count,  # type: ignore[attr-defined]  # annotated by open_callbacks
        ]


def build(user: User, params: Mapping[str, str]) -> Table:
    callbacks = open_callbacks(user, _office(user, params))
    return Table(
        title=_("Messages à rappeler"),
        columns=COLUMNS,
        rows=_rows(callbacks),
        count=callbacks.count(),
        files=lambda: callbacks.exclude(beneficiary=None).values_list("beneficiary_id", flat=True)[
            :100
        ],
    )


def register_sources() -> None:
    register(
        Source(
            name="rappels",
            label=gettext_lazy("Messages à rappeler"),
            roles=FILE_ROLES,
            params=("bureau",),
            build=build,
            describe=describe,
        )
    )
