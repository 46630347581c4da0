"""The paths of the file list as an export (``cainamur/exports.py``): one row per path of
the files on screen, with its deadlines and the hours of each axis."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
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
from parcours.models import Axis, AxisKind, HoursEntry, Parcours

_HOURS: DecimalField[Decimal, Decimal] = DecimalField(max_digits=8, decimal_places=2)


def _axis_hours(kind: str) -> Coalesce:
    done = (
        HoursEntry.objects.filter(axis__parcours=OuterRef("pk"), axis__kind=kind)
        .order_by()
        .values("axis__parcours")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(Subquery(done, output_field=_HOURS), Value(Decimal(0)), output_field=_HOURS)


def _axis_required(kind: str) -> Subquery:
    return Subquery(
        Axis.objects.filter(parcours=OuterRef("pk"), kind=kind).values("required_hours")[:1],
        output_field=_HOURS,
    )


def paths_for_export(user: User, params: Mapping[str, str]) -> QuerySet[Parcours]:
    annotations: dict[str, Any] = {}
    for kind in AxisKind.values:
        annotations[f"done_{kind}"] = _axis_hours(kind)
        annotations[f"required_{kind}"] = _axis_required(kind)
    return rows_of_exported_files(
        Parcours.objects.select_related("beneficiary__office", "beneficiary__caseworker").annotate(
            **annotations
        ),
        user,
        params,
        "opened_on",
        "id",
    )


PATH_COLUMNS = (
    *PERSON_COLUMNS,
    Column(gettext_lazy("Référent·e"), width=20),
    Column(gettext_lazy("Parcours"), width=14),
    Column(gettext_lazy("Statut"), width=20),
    Column(gettext_lazy("Régime"), width=8),
    Column(gettext_lazy("Ouvert le"), "date", 12),
    Column(gettext_lazy("Clos le"), "date", 12),
    Column(gettext_lazy("Se présenter avant le"), "date", 14),
    Column(gettext_lazy("Attestation avant le"), "date", 14),
    *(
        column
        for kind, label in (
            (AxisKind.CITIZENSHIP, gettext_lazy("Citoyenneté")),
            (AxisKind.FRENCH, gettext_lazy("Français")),
            (AxisKind.ORIENTATION, gettext_lazy("Orientation")),
        )
        for column in (
            Column(gettext_lazy("%(axis)s : heures suivies") % {"axis": label}, "decimal", 14),
            Column(gettext_lazy("%(axis)s : heures requises") % {"axis": label}, "decimal", 14),
        )
    ),
)


def _path_rows(paths: QuerySet[Parcours]) -> Iterator[list[Any]]:
    kinds = labels(Parcours, "kind")
    statuses = labels(Parcours, "status")
    for p in paths.iterator(chunk_size=2000):
        b = p.beneficiary
        row: list[Any] = [
            *person_cells(b),
            str(b.caseworker) if b.caseworker else "",
            kinds.get(p.kind, p.kind),
            statuses.get(p.status, p.status),
            p.regime,
            p.opened_on,
            p.closed_on,
            p.presentation_deadline,
            p.attestation_deadline,
        ]
        for kind in AxisKind.values:
            required = getattr(p, f"required_{kind}")
            row += [getattr(p, f"done_{kind}") if required is not None else None, required]
        yield row


def build_paths(user: User, params: Mapping[str, str]) -> Table:
    paths = paths_for_export(user, params)
    return Table(
        title=_("Parcours"),
        columns=PATH_COLUMNS,
        rows=_path_rows(paths),
        count=paths.count(),
        files=lambda: paths.values_list("beneficiary_id", flat=True)[:100],
    )


def register_sources() -> None:
    register(
        Source(
            name="parcours",
            label=gettext_lazy("Parcours"),
            roles=EDIT_ROLES,
            params=FILE_PARAMS,
            build=build_paths,
            describe=describe_files,
            page="dossiers",
        )
    )
