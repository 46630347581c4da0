"""The file page's attestation card (composed by ``home``)."""

from __future__ import annotations

from typing import Any

from attestations.copies import address_missing
from attestations.selectors import file_attestations
from attestations.services import missing_for_attestation
from beneficiaries.models import Beneficiary
from cainamur.models import User
from cainamur.roles import Role
from parcours.models import RUNNING, Parcours


def panel(beneficiary: Beneficiary, user: User, parcours: Parcours | None) -> dict[str, Any]:
    """``parcours`` is the file's current path (the path panel has already read it)."""
    if parcours is None:
        return {}
    attestations = file_attestations(beneficiary)
    return {
        "attestations": attestations,
        # Copies « Relancer » cannot send (no address today): who types it instead.
        "copies_without_address": {
            copy.pk
            for attestation in attestations
            for copy in attestation.dispatches.all()
            if address_missing(copy)
        },
        "may_type_address": user.has_role(Role.COORDINATOR),
        "attestation_missing": (
            missing_for_attestation(parcours) if parcours.status in RUNNING else []
        ),
        "may_revoke": user.has_role(Role.COORDINATOR),
    }
