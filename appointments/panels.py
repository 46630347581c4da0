"""The file page's appointments (composed by ``home``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from appointments.selectors import person_appointments
from beneficiaries.models import Beneficiary
from cainamur.models import User


def panel(beneficiary: Beneficiary, user: User) -> dict[str, Any]:  # noqa: ARG001 (every panel takes the user)
    return {"appointments": person_appointments(beneficiary), "now": timezone.now()}
