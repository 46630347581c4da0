"""The orientations of the file list as an export (``cainamur/exports.py``): one row per
orientation of the files on screen (partner, offer, status, time on the waiting list)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.exports import (
    FILE_PARAMS,
    PERSON_COLUMNS,
    describe_files,
    person_cells,
    rows_of_exported_files,
)
from cainamur.exports import Column, Source, Table, labels, register
from cainamur.models import User
from cainamur.permissions import EDIT_ROLES
from operators.models import Offer, Orientation


def orientations_for_export(user: User, params: Mapping[str, str]) -> QuerySet[Orientation]:
    return rows_of_exported_files(
        Orientation.objects.select_related("beneficiary__office", "offer__operator"),
        user,
        params,
        "created_at",
        "id",
    )


ORIENTATION_COLUMNS = (
    *PERSON_COLUMNS,
    Column(gettext_lazy("Opérateur"), width=26),
    Column(gettext_lazy("Offre"), width=30),
    Column(gettext_lazy("Axe"), width=22),
    Column(gettext_lazy("Statut"), width=16),
    Column(gettext_lazy("Proposée le"), "datetime", 16),
    Column(gettext_lazy("En attente depuis"), "datetime", 16),
    Column(gettext_lazy("Jours d'attente"), "int", 10),
)


def _rows(orientations: QuerySet[Orientation]) -> Iterator[list[Any]]:
    now = timezone.now()
    axes = labels(Offer, "axis")
    statuses = labels(Orientation, "status")
    for o in orientations.iterator(chunk_size=2000):
        waiting = o.status == Orientation.Status.WAITING and o.waiting_since is not None
        yield [
            *person_cells(o.beneficiary),
            o.offer.operator.name,
            o.offer.title,
            axes.get(o.offer.axis, o.offer.axis),
            statuses.get(o.status, o.status),
            o.created_at,
            o.waiting_since if waiting else None,
            (now - o.waiting_since).days if waiting and o.waiting_since else None,
        ]


def build_orientations(user: User, params: Mapping[str, str]) -> Table:
    orientations = orientations_for_export(user, params)
    return Table(
        title=_("Orientations"),
        columns=ORIENTATION_COLUMNS,
        rows=_rows(orientations),
        count=orientations.count(),
        files=lambda: orientations.values_list("beneficiary_id", flat=True)[:100],
    )


def register_sources() -> None:
    register(
        Source(
            name="orientations",
            label=gettext_lazy("Orientations"),
            roles=EDIT_ROLES,
            params=FILE_PARAMS,
            build=build_orientations,
            describe=describe_files,
            page="dossiers",
        )
    )
