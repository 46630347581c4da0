"""The file page's appointments (composed by ``home``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from appointments.selectors import person_appointments


def panel(beneficiary: Any, user: Any) -> dict[str, Any]:  # noqa: ARG001 (every panel takes the user)
    return {"appointments": person_appointments(beneficiary), "now": timezone.now()}
