"""Reads of orientations."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from cainamur.models import AuditEvent
from operators.models import Orientation
from operators.services import ORIENTATION_STEP, TRANSITIONS

ACTION_LABELS = {
    "waiting": _("Liste d'attente"),
    "enrolled": _("Inscrit·e"),
    "in_progress": _("En cours"),
    "completed": _("Terminée"),
    "dropped": _("Abandon"),
    "refused": _("Refusée"),
}


def file_orientations(beneficiary: Beneficiary) -> list[Orientation]:
    """A file's orientations, the dates the offer had no place for the person, and the
    actions each allows (3 queries)."""
    rows = list(
        Orientation.objects.filter(beneficiary=beneficiary).select_related("offer__operator")
    )
    refusals: dict[int, list[datetime]] = defaultdict(list)
    if rows:
        for object_id, at in (
            AuditEvent.objects.filter(
                object_type=ContentType.objects.get_for_model(Orientation),
                object_id__in=[row.pk for row in rows],
                action=ORIENTATION_STEP,
                data__no_place=True,
            )
            .order_by("at", "id")
            .values_list("object_id", "at")
        ):
            assert object_id is not None  # filtered on object_id__in
            refusals[object_id].append(at)
    for row in rows:
        row.no_place_at = refusals[row.pk]  # type: ignore[attr-defined]
        row.actions = [  # type: ignore[attr-defined]
            (to, label) for to, label in ACTION_LABELS.items() if to in TRANSITIONS[row.status]
        ]
    return rows
