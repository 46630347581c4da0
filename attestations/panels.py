"""The file page's attestation card (composed by ``home``)."""

from __future__ import annotations

from typing import Any

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
    return {
        "attestations": file_attestations(beneficiary),
        "attestation_missing": (
            missing_for_attestation(parcours) if parcours.status in RUNNING else []
        ),
        "may_revoke": user.has_role(Role.COORDINATOR),
    }
