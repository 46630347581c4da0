"""Reads of orientations."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from operators.models import Orientation
from operators.services import TRANSITIONS

ACTION_LABELS = {
    "waiting": _("Liste d'attente"),
    "enrolled": _("Inscrit·e"),
    "in_progress": _("En cours"),
    "completed": _("Terminée"),
    "dropped": _("Abandon"),
    "refused": _("Refusée"),
}


def file_orientations(beneficiary: Any) -> list[Orientation]:
    """A file's orientations with their steps and the actions each allows (3 queries)."""
    rows = list(
        Orientation.objects.filter(beneficiary=beneficiary)
        .select_related("offer__operator")
        .prefetch_related("events")
    )
    for row in rows:
        row.actions = [  # type: ignore[attr-defined]
            (to, label) for to, label in ACTION_LABELS.items() if to in TRANSITIONS[row.status]
        ]
    return rows
