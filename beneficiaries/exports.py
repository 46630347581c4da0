"""The file list as an export (``cainamur/exports.py``): what is on screen, with its filters,
its search and the figure it comes from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from beneficiaries.filters import filtered_files
from beneficiaries.models import Beneficiary
from cainamur.exports import Column, Source, Table, described_filters, labels, register
from cainamur.lib.name_order import by_name
from cainamur.models import User
from cainamur.permissions import EDIT_ROLES

M = TypeVar("M", bound=Model)

#: The file list's parameters: its filters, and every parameter of the figure behind it
#: (the dashboard's period and filters, which this app does not know: « * »).
FILE_PARAMS: tuple[str, ...] = ("*",)


def _ticked(params: Mapping[str, str]) -> list[int] | None:
    """The files ticked in the list (« Action groupée » : « Les dossiers cochés »), or None
    when the export is the whole list as filtered."""
    if params.get("portee") != "selection":
        return None
    return [int(pk) for pk in params.get("dossiers", "").split(",") if pk.isdigit()]


def files_for_export(user: User, params: Mapping[str, str]) -> QuerySet[Beneficiary]:
    """The files of the list as ``params`` asks (the files ticked, or all those of its
    filter), within the user's scope, in the list's order (by name)."""
    files, _filterset, _narrowing = filtered_files(user, params)
    ticked = _ticked(params)
    if ticked is not None:
        files = files.filter(pk__in=ticked)
    return files.order_by(*by_name("last_name", "first_names"), "id")


def rows_of_exported_files(
    rows: QuerySet[M], user: User, params: Mapping[str, str], *then: str
) -> QuerySet[M]:
    """``rows`` about the files of the export (their ``beneficiary``), in the list's order
    (by name), then by ``then`` within a file."""
    files = files_for_export(user, params)
    return rows.filter(beneficiary__in=files.values("pk")).order_by(
        *by_name("beneficiary__last_name", "beneficiary__first_names"), "beneficiary_id", *then
    )


#: The first columns of a row about one of the files (its paths, its orientations).
PERSON_COLUMNS = (
    Column(gettext_lazy("Dossier"), width=16),
    Column(gettext_lazy("Nom"), width=22),
    Column(gettext_lazy("Prénoms"), width=22),
    Column(gettext_lazy("Bureau"), width=16),
)


def person_cells(file: Beneficiary) -> list[Any]:
    """The cells of :data:`PERSON_COLUMNS` (the file's office selected with it)."""
    return [file.file_number, file.last_name, file.first_names, file.office.name]


def describe_files(user: User, params: Mapping[str, str]) -> list[tuple[str, str]]:
    """The filters as people read them; the search's text is never logged."""
    _files, filterset, narrowing = filtered_files(user, params)
    described: list[tuple[str, str]] = []
    if narrowing is not None:
        described.append((_("Chiffre du pilotage"), str(narrowing.title)))
    ticked = _ticked(params)
    if ticked is not None:
        described.append((_("Sélection"), _("%(n)s dossiers cochés") % {"n": len(ticked)}))
    return described + described_filters(filterset.form)


FILE_COLUMNS = (
    Column(gettext_lazy("Dossier"), width=16),
    Column(gettext_lazy("Nom"), width=22),
    Column(gettext_lazy("Prénoms"), width=22),
    Column(gettext_lazy("Sexe"), width=8),
    Column(gettext_lazy("Date de naissance"), "date", 14),
    Column(gettext_lazy("Nationalité"), width=18),
    Column(gettext_lazy("Commune"), width=18),
    Column(gettext_lazy("Bureau"), width=16),
    Column(gettext_lazy("Référent·e"), width=20),
    Column(gettext_lazy("Obligation"), width=18),
    Column(gettext_lazy("Présentation au plus tard le"), "date", 16),
    Column(gettext_lazy("Téléphone"), width=16),
    Column(gettext_lazy("E-mail"), width=26),
    Column(gettext_lazy("Dossier ouvert le"), "datetime", 18),
)


#: What the rows read (the register number is not exported: not decrypted either).
_FILE_FIELDS = (
    "file_number",
    "last_name",
    "first_names",
    "sex",
    "birth_date",
    "nationality",
    "commune__name",
    "office__name",
    "caseworker__first_name",
    "caseworker__last_name",
    "caseworker__username",
    "obligation_status",
    "presentation_deadline",
    "phone",
    "email",
    "created_at",
)


def _file_rows(files: QuerySet[Beneficiary]) -> Iterator[list[Any]]:
    sexes = labels(Beneficiary, "sex")
    obligations = labels(Beneficiary, "obligation_status")
    nationalities = {code: str(name) for code, name in countries}
    for b in files.only(*_FILE_FIELDS).iterator(chunk_size=2000):
        yield [
            b.file_number,
            b.last_name,
            b.first_names,
            sexes.get(b.sex, b.sex),
            b.birth_date,
            nationalities.get(b.nationality.code, b.nationality.code),
            b.commune.name,
            b.office.name,
            str(b.caseworker) if b.caseworker else "",
            obligations.get(b.obligation_status, b.obligation_status),
            b.presentation_deadline,
            b.phone,
            b.email,
            b.created_at,
        ]


def build_files(user: User, params: Mapping[str, str]) -> Table:
    files = files_for_export(user, params)
    return Table(
        title=_("Dossiers"),
        columns=FILE_COLUMNS,
        rows=_file_rows(files),
        count=files.count(),
        files=lambda: files.values_list("pk", flat=True)[:100],
    )


def register_sources() -> None:
    register(
        Source(
            name="dossiers",
            label=gettext_lazy("Dossiers"),
            roles=EDIT_ROLES,
            params=FILE_PARAMS,
            build=build_files,
            describe=describe_files,
        )
    )
