"""Orienting a person: statuses, places under a lock, waiting list kept as evidence; the
axis shows the operator; scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InternalError, transaction
from django.urls import reverse

from beneficiaries.models import Commune
from cainamur.audit import object_trail
from cainamur.models import User
from operators import services
from operators.models import Offer, Operator, Orientation
from tests.factories import BeneficiaryFactory


@pytest.fixture
def small_offer(db: None) -> Offer:
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator, title="Citoyenneté", axis="citizenship", capacity=1
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    return offer


def test_enrolment_takes_a_place_and_a_full_offer_means_the_waiting_list(
    small_offer: Offer, caseworker: User
) -> None:
    first, second = BeneficiaryFactory(), BeneficiaryFactory()
    a = services.orientation_propose(beneficiary=first, offer=small_offer, by=caseworker)
    b = services.orientation_propose(beneficiary=second, offer=small_offer, by=caseworker)
    with pytest.raises(services.OrientationError):
        services.orientation_propose(beneficiary=first, offer=small_offer, by=caseworker)
    services.orientation_move(orientation=a, to="enrolled", by=caseworker)
    small_offer.refresh_from_db()
    assert small_offer.taken == 1 and small_offer.places_left == 0
    with pytest.raises(services.NoPlace, match="liste d'attente"):
        services.orientation_move(orientation=b, to="enrolled", by=caseworker)
    b.refresh_from_db()
    assert b.status == "waiting" and b.waiting_since is not None
    assert object_trail(b).filter(data__no_place=True).count() == 1
    assert [o.pk for o in services.waiting_list(small_offer)] == [b.pk]
    # The first drops out (with a reason): the place frees, the second can enrol.
    with pytest.raises(services.OrientationError, match="motif"):
        services.orientation_move(orientation=a, to="dropped", by=caseworker)
    services.orientation_move(orientation=a, to="dropped", by=caseworker, reason="Déménagement")
    services.orientation_move(orientation=b, to="enrolled", by=caseworker)
    small_offer.refresh_from_db()
    assert small_offer.taken == 1
    # Steps are never changed nor deleted.
    with pytest.raises(InternalError, match="audit_append_only"), transaction.atomic():
        object_trail(b).delete()


def test_the_axis_shows_the_operator_once_enrolled(small_offer: Offer, caseworker: User) -> None:
    from parcours.services import parcours_open
    from tests.factories import obliged_file

    person = obliged_file(caseworker)
    parcours = parcours_open(beneficiary=person, by=caseworker)
    parcours.axes.create(kind="citizenship", required_hours=60)
    orientation = services.orientation_propose(beneficiary=person, offer=small_offer, by=caseworker)
    services.orientation_move(orientation=orientation, to="enrolled", by=caseworker)
    assert parcours.axes.get(kind="citizenship").operator == "ILI Namur"


def test_the_axis_window_starts_with_the_training_not_the_waiting_list(
    small_offer: Offer, caseworker: User
) -> None:
    """4 months of citizenship run from the start of the training; the time on a waiting
    list (no place: the Region's part, art. 152/8) does not count against the person."""
    from django.utils import timezone

    from parcours.services import parcours_open
    from tests.factories import obliged_file

    holder, person = obliged_file(caseworker), obliged_file(caseworker, last_name="Patient")
    parcours = parcours_open(beneficiary=person, by=caseworker)
    axis = parcours.axes.create(kind="citizenship", required_hours=60)
    first = services.orientation_propose(beneficiary=holder, offer=small_offer, by=caseworker)
    services.orientation_move(orientation=first, to="enrolled", by=caseworker)  # the only place
    waiting = services.orientation_propose(beneficiary=person, offer=small_offer, by=caseworker)
    with pytest.raises(services.NoPlace):
        services.orientation_move(orientation=waiting, to="enrolled", by=caseworker)
    axis.refresh_from_db()
    assert axis.started_on is None  # waiting for a place: the window has not started
    services.orientation_move(orientation=first, to="dropped", by=caseworker, reason="Départ")
    services.orientation_move(orientation=waiting, to="enrolled", by=caseworker)
    axis.refresh_from_db()
    assert axis.started_on == timezone.localdate()


def test_from_the_file_to_an_offer_and_back(
    small_offer: Offer, caseworker: User, outsider: User, login_client: Any
) -> None:
    person = BeneficiaryFactory()
    client = login_client(caseworker)
    page = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert 'data-testid="orient"' in page
    offers = client.get(reverse("operators:offers") + f"?dossier={person.pk}").content.decode()
    assert 'data-testid="propose"' in offers
    client.post(reverse("operators:propose"), {"dossier": person.pk, "offre": small_offer.pk})
    orientation = Orientation.objects.get()
    client.post(reverse("operators:move", args=[orientation.pk]), {"to": "enrolled"})
    page = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert "inscrit·e" in page
    detail = client.get(reverse("operators:offer", args=[small_offer.pk])).content.decode()
    assert person.full_name in detail
    # Another office: no access to this person's orientation, and no name on the offer.
    other = login_client(outsider)
    assert (
        other.post(
            reverse("operators:move", args=[orientation.pk]), {"to": "completed"}
        ).status_code
        == 404
    )
    assert (
        other.post(
            reverse("operators:propose"), {"dossier": person.pk, "offre": small_offer.pk}
        ).status_code
        == 404
    )
    assert (
        person.full_name
        not in other.get(reverse("operators:offer", args=[small_offer.pk])).content.decode()
    )
