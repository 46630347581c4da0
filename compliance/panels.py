"""The file page's line on non-compliance files (coordinators only; composed by ``home``)."""

from __future__ import annotations

from typing import Any

from beneficiaries.models import Beneficiary
from cainamur.models import User
from cainamur.roles import Role
from compliance.models import NonCompliance


def panel(beneficiary: Beneficiary, user: User) -> dict[str, Any]:
    if not user.has_role(Role.COORDINATOR):
        return {"noncompliances": []}
    return {"noncompliances": list(NonCompliance.objects.filter(beneficiary=beneficiary))}
