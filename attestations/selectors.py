"""Reads of attestations and their copies, always through the user's scope."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from attestations.models import Attestation
from beneficiaries.models import Beneficiary
from cainamur.lib.name_order import by_name
from cainamur.models import User
from outbox.models import Dispatch


def _with_copies(queryset: QuerySet[Attestation]) -> QuerySet[Attestation]:
    return queryset.prefetch_related(
        Prefetch(
            "dispatches",
            queryset=Dispatch.objects.select_related("commune", "cpas").order_by("id"),
        )
    )


def file_attestations(beneficiary: Beneficiary) -> list[Attestation]:
    """A file's attestations, newest first, with their copies (two queries)."""
    return list(
        _with_copies(
            Attestation.objects.filter(beneficiary=beneficiary).select_related(
                "issued_by", "revoked_by", "replaces"
            )
        )
    )


def attestation_register(user: User) -> QuerySet[Attestation]:
    """The register as the page and its CSV list it: latest issue date first, and within a
    day by name (French order)."""
    return _with_copies(
        Attestation.objects.visible_to(user)
        .select_related("beneficiary__office", "beneficiary__commune", "issued_by", "replaces")
        .order_by(
            "-issued_on", *by_name("beneficiary__last_name", "beneficiary__first_names"), "-id"
        )
    )


def dispatches_needing_attention(user: User) -> QuerySet[Dispatch]:
    return (
        Dispatch.objects.needing_attention()
        .visible_to(user)
        .select_related("attestation__beneficiary", "commune", "cpas")
        .order_by("created_at", "id")
    )


def dispatch_attention_count(user: User) -> int:
    return Dispatch.objects.needing_attention().visible_to(user).count()
