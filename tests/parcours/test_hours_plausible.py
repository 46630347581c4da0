"""Plausible hours: a line holds what a day can, with two decimals at most; an axis goes
past its hours and the tolerance only with a coordinator's confirmation; an operator's
hours fall within the offer's dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Commune
from cainamur.audit import object_trail
from cainamur.models import User
from operators import services as orientations
from operators.models import Offer, Operator
from parcours.models import HoursEntry, Parcours
from parcours.services import PathError, convention_sign, hours_record
from tests.parcours.test_path_services import SIGN

DAY = date(2026, 10, 5)


@pytest.fixture
def signed(welcomed: Parcours, caseworker: User) -> Parcours:
    """Under convention since 1 October 2026: 60 h of citizenship, 400 h of French."""
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    return welcomed


def _post(client: Any, parcours: Parcours, **data: str) -> Any:
    axis = parcours.axes.get(kind="citizenship")
    return client.post(
        reverse("parcours:hours", args=[parcours.beneficiary_id]),
        {"axis": axis.pk, "on": DAY.isoformat(), "note": "", **data},
    )


def test_a_line_holds_what_one_day_can(
    signed: Parcours, caseworker: User, login_client: Any, settings: Any
) -> None:
    client = login_client(caseworker)
    refused = _post(client, signed, hours="10.5")
    assert refused.status_code == 400
    assert "Plus de 10 heures par jour" in refused.content.decode()
    assert not HoursEntry.objects.filter(axis__parcours=signed).exists()
    assert _post(client, signed, hours="10").status_code == 302
    settings.CAI_HOURS_PER_DAY = 8
    with pytest.raises(PathError, match="Plus de 8 heures par jour"):
        hours_record(axis=signed.axes.get(kind="french"), on=DAY, hours=Decimal("9"), by=caseworker)
    # A period (an operator's declaration) holds as many days as it counts.
    hours_record(
        axis=signed.axes.get(kind="french"),
        on=DAY,
        first_day=DAY - timedelta(days=3),
        hours=Decimal("32"),
        by=None,
        source=HoursEntry.Source.OPERATOR,
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [("2.125", "Deux décimales"), ("NaN", "nombre d'heures"), ("Infinity", "nombre d'heures")],
)
def test_hours_are_finite_with_two_decimals(
    signed: Parcours, caseworker: User, login_client: Any, typed: str, message: str
) -> None:
    with pytest.raises(PathError, match=message):
        hours_record(
            axis=signed.axes.get(kind="citizenship"), on=DAY, hours=Decimal(typed), by=caseworker
        )
    page = _post(login_client(caseworker), signed, hours=typed)
    assert page.status_code == 400
    assert not HoursEntry.objects.filter(axis__parcours=signed).exists()


def _fill(parcours: Parcours, by: User) -> None:
    """The 60 hours of citizenship, over the first weeks of the convention."""
    hours_record(
        axis=parcours.axes.get(kind="citizenship"),
        on=date(2026, 10, 31),
        first_day=date(2026, 10, 1),
        hours=Decimal("60"),
        by=by,
    )


def test_beyond_the_tolerance_a_caseworker_is_told_a_coordinator_must_confirm(
    signed: Parcours, caseworker: User, login_client: Any
) -> None:
    _fill(signed, caseworker)
    client = login_client(caseworker)
    # 66 of 60: within the 10 % tolerance.
    assert _post(client, signed, hours="6").status_code == 302
    refused = _post(client, signed, hours="0.5", excess_confirmed="on")
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "66,5 h pour 60 h requises" in page
    assert "une coordinatrice ou un coordinateur doit confirmer" in page
    assert 'data-testid="confirm-excess"' not in page  # no box a caseworker may not tick
    with pytest.raises(PathError, match="doit confirmer"):
        hours_record(
            axis=signed.axes.get(kind="citizenship"),
            on=DAY,
            hours=Decimal("1"),
            by=caseworker,
            excess_confirmed=True,
        )
    assert sum(e.hours for e in HoursEntry.objects.filter(axis__parcours=signed)) == 66


def test_a_coordinator_confirms_hours_beyond_the_tolerance(
    signed: Parcours, caseworker: User, coordinator: User, login_client: Any
) -> None:
    _fill(signed, caseworker)
    client = login_client(coordinator)
    asked = _post(client, signed, hours="8")
    page = asked.content.decode()
    assert asked.status_code == 400
    assert "cochez la confirmation" in page and 'data-testid="confirm-excess"' in page
    assert 'value="8"' in page  # what was typed stays
    confirmed = _post(client, signed, hours="8", excess_confirmed="on")
    assert confirmed.status_code == 302
    axis = signed.axes.get(kind="citizenship")
    assert sum(e.hours for e in axis.hours.all()) == 68
    recorded = object_trail(signed).filter(action="parcours.hours_record").last()
    assert recorded is not None and recorded.data.get("excess_confirmed") is True
    assert recorded.actor == coordinator


def test_a_tolerance_is_a_setting(signed: Parcours, caseworker: User, settings: Any) -> None:
    _fill(signed, caseworker)
    settings.CAI_HOURS_TOLERANCE_PERCENT = 0
    with pytest.raises(PathError, match="plus de 0 % au-delà"):
        hours_record(
            axis=signed.axes.get(kind="citizenship"), on=DAY, hours=Decimal("1"), by=caseworker
        )
    # A correction is never held back.
    hours_record(
        axis=signed.axes.get(kind="citizenship"), on=DAY, hours=Decimal("-1"), by=caseworker
    )


@pytest.fixture
def enrolled(signed: Parcours, caseworker: User) -> dict[str, Any]:
    """The person enrolled in a citizenship offer of a month, which ended yesterday."""
    today = timezone.localdate()
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator,
        title="Citoyenneté",
        axis="citizenship",
        capacity=10,
        start_on=today - timedelta(days=30),
        end_on=today - timedelta(days=1),
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    orientation = orientations.orientation_propose(
        beneficiary=signed.beneficiary, offer=offer, by=caseworker
    )
    orientations.orientation_move(orientation=orientation, to="enrolled", by=caseworker)
    return {"offer": offer, "orientation": orientation, "today": today}


def test_an_operator_declares_hours_within_the_offer_with_two_decimals(
    enrolled: dict[str, Any], coordinator: User
) -> None:
    link, _token = orientations.link_create(offer=enrolled["offer"], by=coordinator)
    today, pk = enrolled["today"], enrolled["orientation"].pk

    def submit(start: int, end: int, hours: str) -> None:
        orientations.report_submit(
            link=link,
            period_start=today - timedelta(days=start),
            period_end=today - timedelta(days=end),
            lines={pk: (Decimal(hours), False)},
            ip="127.0.0.1",
        )

    with pytest.raises(orientations.OrientationError, match="dates de la formation"):
        submit(5, 0, "6")  # until today: the offer ended yesterday
    with pytest.raises(orientations.OrientationError, match="Deux décimales"):
        submit(5, 1, "6.125")
    with pytest.raises(orientations.OrientationError, match="nombre d'heures"):
        submit(5, 1, "NaN")
    with pytest.raises(orientations.OrientationError, match="10 heures par jour"):
        submit(5, 1, "51")
    submit(5, 1, "6.25")
    entry = HoursEntry.objects.get(source="operator")
    assert entry.hours == Decimal("6.25") and entry.on == today - timedelta(days=1)


def test_an_operator_cannot_take_an_axis_past_its_tolerance(
    enrolled: dict[str, Any], signed: Parcours, caseworker: User, coordinator: User
) -> None:
    _fill(signed, caseworker)
    link, _token = orientations.link_create(offer=enrolled["offer"], by=coordinator)
    today = enrolled["today"]
    with pytest.raises(orientations.OrientationError, match="doit confirmer"):
        orientations.report_submit(
            link=link,
            period_start=today - timedelta(days=5),
            period_end=today - timedelta(days=1),
            lines={enrolled["orientation"].pk: (Decimal("10"), False)},
            ip="127.0.0.1",
        )
    assert not HoursEntry.objects.filter(source="operator").exists()
