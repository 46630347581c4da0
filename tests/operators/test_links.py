"""Operators report attendance through a link, without an account: the hours feed the
axis ledger; bad input records nothing; expired, revoked or foreign links are refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
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
from parcours.services import hours_record
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
    start = (timezone.localdate() - timedelta(days=6)).isoformat()
    refused = client.post(
        path, {"period_start": start, "period_end": today, f"h_{orientation.pk}": "-3"}
    )
    assert refused.status_code == 400 and "négatives" in refused.content.decode()
    assert 'value="-3"' in refused.content.decode()  # what was typed stays
    too_many = client.post(
        path, {"period_start": start, "period_end": today, f"h_{orientation.pk}": "75"}
    )
    assert (
        "plus d&#x27;heures" in too_many.content.decode()
        or "plus d'heures" in too_many.content.decode()
    )
    assert not ReportSubmission.objects.exists()
    done = client.post(
        path,
        {"period_start": start, "period_end": today, f"h_{orientation.pk}": "20"},
        follow=True,
    )
    assert "les heures sont enregistrées" in done.content.decode()
    entry = HoursEntry.objects.filter(axis=axis, source="operator").get()
    assert entry.hours == 20 and entry.recorded_by is None
    axis.refresh_from_db()
    assert axis.status == "completed"
    submission = ReportSubmission.objects.get()
    assert submission.ip == "127.0.0.1" and submission.lines[0]["hours"] == "20.00"
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
    today = timezone.localdate().isoformat()
    refused = client.post(
        url,
        {"period_start": today, "period_end": today, f"h_{setting['orientation'].pk}": "5"},
    )
    assert "pas inscrite" in refused.content.decode()
    assert not HoursEntry.objects.filter(source="operator").exists()


def test_a_period_is_declared_once_and_an_offer_credits_at_most_its_hours(
    setting: dict[str, Any], coordinator: User, client: Any
) -> None:
    """Issue 12, finding 6: the same period submitted three times took an axis from 12 to
    192 of 60 hours. Now the second submission of a period is refused, and the total an
    offer credits a person never exceeds the offer's hours."""
    orientation = setting["orientation"]
    _link, token = services.link_create(offer=setting["offer"], by=coordinator)
    url = reverse("operators:report", args=[token])
    today = timezone.localdate()
    # Room on the axis (10 of 60 hours): the offer's limit is what is tested here, not
    # the axis's tolerance beyond its required hours.
    hours_record(axis=setting["axis"], on=today, hours=Decimal("-30"), by=coordinator)

    def submit(start: int, end: int, hours: str) -> Any:
        return client.post(
            url,
            {
                "period_start": (today - timedelta(days=start)).isoformat(),
                "period_end": (today - timedelta(days=end)).isoformat(),
                f"h_{orientation.pk}": hours,
            },
        )

    assert submit(30, 24, "12").status_code == 302
    for _attempt in range(2):
        again = submit(30, 24, "12")
        assert again.status_code == 400 and "déjà déclarées" in again.content.decode()
    overlapping = submit(26, 20, "6")
    assert overlapping.status_code == 400 and "déjà déclarées" in overlapping.content.decode()
    assert submit(23, 17, "40").status_code == 302  # 52 of 60
    over = submit(16, 10, "12")  # 64 > 60
    assert over.status_code == 400 and "plus que les 60 heures" in over.content.decode()
    total = sum(e.hours for e in HoursEntry.objects.filter(axis=setting["axis"], source="operator"))
    assert total == 52
    backwards = submit(5, 9, "2")
    assert backwards.status_code == 400 and "commence après sa fin" in backwards.content.decode()


def test_a_link_lasts_60_days_by_default(setting: dict[str, Any], coordinator: User) -> None:
    link, _token = services.link_create(offer=setting["offer"], by=coordinator)
    assert (link.expires_at - timezone.now()).days in (59, 60)
