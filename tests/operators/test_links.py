"""Operators report attendance through a link, without an account: the hours feed the
axis ledger; bad input records nothing; expired, revoked or foreign links are refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Commune
from cainamur.audit import object_trail
from cainamur.models import User
from operators import services
from operators.models import Offer, Operator, ReportingLink, ReportSubmission
from parcours.models import HoursEntry, Parcours
from tests.factories import complete_path, obliged_file


@pytest.fixture
def setting(caseworker: User) -> dict[str, Any]:
    """A person whose path runs (citizenship axis not yet done), enrolled in an offer."""
    from decimal import Decimal

    from parcours.services import hours_record

    person = obliged_file(caseworker, last_name="Karimi", first_names="Ahmad")
    parcours: Parcours = complete_path(person, caseworker)  # type: ignore[assignment]
    axis = parcours.axes.get(kind="citizenship")
    hours_record(axis=axis, on=timezone.localdate(), hours=Decimal("-20"), by=caseworker)
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator, title="Citoyenneté", axis="citizenship", capacity=10, hours=60
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    orientation = services.orientation_propose(beneficiary=person, offer=offer, by=caseworker)
    services.orientation_move(orientation=orientation, to="enrolled", by=caseworker)
    return {"person": person, "axis": axis, "offer": offer, "orientation": orientation}


def test_the_operator_reports_hours_and_the_axis_completes(
    setting: dict[str, Any], coordinator: User, login_client: Any, client: Any
) -> None:
    offer, orientation, axis = setting["offer"], setting["orientation"], setting["axis"]
    staff = login_client(coordinator)
    staff.post(reverse("operators:link-create", args=[offer.pk]))
    page = staff.get(reverse("operators:offer", args=[offer.pk])).content.decode()
    url = page.split('data-testid="link-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = url.split("8000", 1)[1]
    form = client.get(path).content.decode()
    assert "KARIMI Ahmad" in form and setting["person"].file_number in form
    assert "Maroc" not in form  # name and file number only
    today = timezone.localdate().isoformat()
    refused = client.post(path, {"period_end": today, f"h_{orientation.pk}": "-3"})
    assert refused.status_code == 400 and "négatives" in refused.content.decode()
    assert 'value="-3"' in refused.content.decode()  # what was typed stays
    too_many = client.post(path, {"period_end": today, f"h_{orientation.pk}": "75"})
    assert (
        "plus d&#x27;heures" in too_many.content.decode()
        or "plus d'heures" in too_many.content.decode()
    )
    assert not ReportSubmission.objects.exists()
    done = client.post(path, {"period_end": today, f"h_{orientation.pk}": "20"}, follow=True)
    assert "les heures sont enregistrées" in done.content.decode()
    entry = HoursEntry.objects.filter(axis=axis, source="operator").get()
    assert entry.hours == 20 and entry.recorded_by is None
    axis.refresh_from_db()
    assert axis.status == "completed"
    submission = ReportSubmission.objects.get()
    assert submission.ip == "127.0.0.1" and submission.lines[0]["hours"] == "20"
    # The person is now « en cours » through the transition map, recorded without an
    # account (the operator's link), and no reason is invented for it.
    orientation.refresh_from_db()
    assert orientation.status == "in_progress" and orientation.reason == ""
    step = object_trail(orientation).last()
    assert step is not None and step.actor is None and step.data["to"] == "in_progress"


def test_expired_revoked_and_unknown_links_are_refused_in_french(
    setting: dict[str, Any], coordinator: User, client: Any
) -> None:
    link, token = services.link_create(offer=setting["offer"], by=coordinator)
    url = reverse("operators:report", args=[token])
    assert client.get(url).status_code == 200
    ReportingLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
    refused = client.get(url)
    assert refused.status_code == 403 and "plus valable" in refused.content.decode()
    link2, token2 = services.link_create(offer=setting["offer"], by=coordinator)
    ReportingLink.objects.filter(pk=link2.pk).update(revoked_at=timezone.now())
    assert client.get(reverse("operators:report", args=[token2])).status_code == 403
    assert client.get(reverse("operators:report", args=["nimporte-quoi"])).status_code == 403


def test_a_link_sees_only_its_own_offer(
    setting: dict[str, Any], coordinator: User, client: Any
) -> None:
    other = Offer.objects.create(
        operator=setting["offer"].operator, title="Autre", axis="french", capacity=5
    )
    _link, token = services.link_create(offer=other, by=coordinator)
    url = reverse("operators:report", args=[token])
    assert "KARIMI" not in client.get(url).content.decode()
    refused = client.post(
        url, {"period_end": timezone.localdate().isoformat(), f"h_{setting['orientation'].pk}": "5"}
    )
    assert "pas inscrite" in refused.content.decode()
    assert not HoursEntry.objects.filter(source="operator").exists()
