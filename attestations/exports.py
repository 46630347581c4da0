"""The attestation register as an export (``cainamur/exports.py``), with the register's
filters and search, in the register's order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attestations.filters import AttestationFilter
from attestations.models import Attestation
from attestations.selectors import attestation_register
from cainamur.exports import Column, Source, Table, described_filters, register
from cainamur.models import User
from cainamur.permissions import may_see_health
from cainamur.roles import Role
from outbox.models import Dispatch


def register_filtered(
    user: User, params: Mapping[str, str]
) -> tuple[QuerySet[Attestation], AttestationFilter]:
    """The register as ``params`` filter it (shared by the page and its exports)."""
    fields = {k: v for k, v in params.items() if k in AttestationFilter.base_filters and v}
    filterset = AttestationFilter(fields or None, queryset=attestation_register(user))
    return filterset.qs, filterset


def describe(user: User, params: Mapping[str, str]) -> list[tuple[str, str]]:
    _qs, filterset = register_filtered(user, params)
    return described_filters(filterset.form)


COLUMNS = (
    Column(gettext_lazy("Numéro"), width=18),
    Column(gettext_lazy("Statut"), width=12),
    Column(gettext_lazy("Délivrée le"), "date", 12),
    Column(gettext_lazy("Dossier"), width=16),
    Column(gettext_lazy("Nom"), width=28),
    Column(gettext_lazy("Commune"), width=18),
    Column(gettext_lazy("Bureau"), width=16),
    Column(gettext_lazy("Régime"), width=12),
    Column(gettext_lazy("Délivrée par"), width=20),
    Column(gettext_lazy("Remplace"), width=18),
    Column(gettext_lazy("Motif (réédition ou révocation)"), width=30),
    Column(gettext_lazy("Copie commune"), width=14),
    Column(gettext_lazy("Copie CPAS"), width=14),
)


def _rows(attestations: QuerySet[Attestation], *, reasons: bool) -> Iterator[list[Any]]:
    hidden = _("(motif visible avec la permission santé)")
    for a in attestations.iterator(chunk_size=1000):
        copies = {d.recipient_kind: d.get_status_display() for d in a.dispatches.all()}
        yield [
            a.number,
            a.get_status_display(),
            a.issued_on,
            a.beneficiary.file_number,
            a.beneficiary.full_name,
            a.beneficiary.commune.name,
            a.beneficiary.office.name,
            a.get_kind_display(),
            str(a.issued_by),
            a.replaces.number if a.replaces else "",
            # A reason is typed by a person: it may be health information.
            (a.revocation_reason or a.reissue_reason)
            if reasons
            else (hidden if a.revocation_reason or a.reissue_reason else ""),
            copies.get(Dispatch.Recipient.COMMUNE, ""),
            copies.get(Dispatch.Recipient.CPAS, ""),
        ]


def build(user: User, params: Mapping[str, str]) -> Table:
    attestations, _filterset = register_filtered(user, params)
    return Table(
        title=_("Registre des attestations"),
        columns=COLUMNS,
        rows=_rows(attestations, reasons=may_see_health(user)),
        count=attestations.count(),
        files=lambda: attestations.values_list("beneficiary_id", flat=True)[:100],
    )


def register_sources() -> None:
    register(
        Source(
            name="attestations",
            label=gettext_lazy("Registre des attestations"),
            roles=(Role.COORDINATOR,),
            params=tuple(AttestationFilter.base_filters),
            build=build,
            describe=describe,
        )
    )
