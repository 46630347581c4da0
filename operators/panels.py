"""The file page's orientations to partner operators (composed by ``home``)."""

from __future__ import annotations

from typing import Any

from beneficiaries.models import Beneficiary
from cainamur.models import User
from cainamur.permissions import EDIT_ROLES
from operators.selectors import file_orientations


def panel(beneficiary: Beneficiary, user: User) -> dict[str, Any]:
    if not user.has_role(*EDIT_ROLES):
        return {}
    return {"orientations": file_orientations(beneficiary)}
