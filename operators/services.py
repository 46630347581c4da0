"""Orienting a person to an offer: statuses, places counted under a lock on the offer,
waiting lists, and every step kept."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from operators.models import OCCUPYING, Offer, Orientation, OrientationEvent

S = Orientation.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROPOSED: frozenset({S.WAITING, S.ENROLLED, S.REFUSED}),
    S.WAITING: frozenset({S.ENROLLED, S.REFUSED, S.DROPPED}),
    S.ENROLLED: frozenset({S.IN_PROGRESS, S.DROPPED, S.COMPLETED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.DROPPED}),
    S.COMPLETED: frozenset(),
    S.DROPPED: frozenset(),
    S.REFUSED: frozenset(),
}
NEEDS_REASON = frozenset({S.REFUSED, S.DROPPED})


class OrientationError(Exception):
    """A refused step, with a message for the user (French)."""


class NoPlace(OrientationError):
    """The offer is full: the person went on its waiting list instead (recorded)."""


def _record(
    orientation: Orientation, *, by: Any, before: str, note: str = "", no_place: bool = False
) -> None:
    OrientationEvent.objects.create(
        orientation=orientation,
        by=by,
        from_status=before,
        to_status=orientation.status,
        no_place=no_place,
        note=note[:300],
    )


def orientation_propose(*, beneficiary: Any, offer: Offer, by: Any, note: str = "") -> Orientation:
    with transaction.atomic():
        if Orientation.objects.filter(
            beneficiary=beneficiary, offer=offer, status__in=[S.PROPOSED, S.WAITING, *OCCUPYING]
        ).exists():
            raise OrientationError(_("Cette personne est déjà orientée vers cette offre."))
        orientation = Orientation.objects.create(
            beneficiary=beneficiary, offer=offer, created_by=by
        )
        _record(orientation, by=by, before="", note=note)
        return orientation


def orientation_move(
    orientation: Orientation, to: str, *, by: Any, reason: str = ""
) -> Orientation:
    """Move along the transition map. Enrolling takes a place under a lock on the offer;
    when none is left the person goes on the waiting list and the refusal is kept
    (``NoPlace`` is raised after the commit of that record)."""
    if to in NEEDS_REASON and not reason.strip():
        raise OrientationError(_("Indiquez le motif."))
    full = False
    with transaction.atomic():
        orientation = Orientation.objects.select_for_update().get(pk=orientation.pk)
        offer = Offer.objects.select_for_update().get(pk=orientation.offer_id)
        before = orientation.status
        if to not in TRANSITIONS[before]:
            raise OrientationError(
                _("L'orientation ne peut pas passer de « %(from)s » à « %(to)s ».")
                % {"from": orientation.get_status_display(), "to": S(to).label}
            )
        holds, will_hold = before in OCCUPYING, to in OCCUPYING
        if will_hold and not holds and offer.taken >= offer.capacity:
            full = True
            if before != S.WAITING:
                orientation.status = S.WAITING
                orientation.waiting_since = timezone.now()
                orientation.save(update_fields=["status", "waiting_since"])
            _record(
                orientation, by=by, before=before, note=_("Pas de place disponible."), no_place=True
            )
        else:
            if will_hold and not holds:
                offer.taken += 1
            elif holds and not will_hold:
                offer.taken -= 1
            offer.save(update_fields=["taken"])
            orientation.status = to
            orientation.reason = reason.strip() or orientation.reason
            if to == S.WAITING:
                orientation.waiting_since = timezone.now()
            orientation.save(update_fields=["status", "reason", "waiting_since"])
            _record(orientation, by=by, before=before, note=reason)
            if to in OCCUPYING:
                _axis_operator(orientation, offer)
    if full:
        raise NoPlace(
            _(
                "Plus de place dans « %(offer)s » : la personne est sur la liste d'attente "
                "(date et refus conservés)."
            )
            % {"offer": offer.title}
        )
    return orientation


def _axis_operator(orientation: Orientation, offer: Offer) -> None:
    """The path's axis shows the operator the person is enrolled with."""
    from parcours.models import Axis, Parcours

    Axis.objects.filter(
        parcours__beneficiary_id=orientation.beneficiary_id,
        parcours__closed_on__isnull=True,
        kind=offer.axis,
    ).exclude(parcours__status=Parcours.Status.ATTESTATION_ISSUED).update(
        operator=offer.operator.name[:200]
    )


def waiting_list(offer: Offer) -> list[Orientation]:
    """The offer's waiting list, first come first served."""
    return list(
        offer.orientations.filter(status=S.WAITING)
        .select_related("beneficiary")
        .order_by("waiting_since", "id")
    )
