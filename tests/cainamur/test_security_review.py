"""What an outside review of the security work found, each closed with its test."""

from __future__ import annotations

import re
import time
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cainamur.models import AuditEvent, User
from cainamur.roles import Role
from cainamur.session_timeout import SEEN_AT
from tests.conftest import make_staff
from tests.factories import PASSWORD, BeneficiaryFactory


def _password(client: Client, user: User) -> None:
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD})[
        "Location"
    ]


def _secret(client: Client) -> str:
    page = client.get(reverse("second-factor-setup")).content.decode()
    found = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page)
    assert found is not None
    return found.group(1)


def test_each_session_sets_up_its_own_key(db: None) -> None:
    """Someone else who knows a new account's password never sees the key the person will
    confirm."""
    newcomer = make_staff("nouveau", [Role.CASEWORKER], ["namur"], second_factor=False)
    intruder, person = Client(), Client()
    _password(intruder, newcomer)
    _password(person, newcomer)
    assert _secret(intruder) != _secret(person)
    assert _secret(person) == _secret(person)  # stable for one session


def test_resetting_a_second_factor_ends_the_persons_sessions(
    login_client: Any, administrator: User, caseworker: User
) -> None:
    forgotten = login_client(caseworker)
    assert forgotten.get(reverse("home-caseworker")).status_code == 200
    login_client(administrator).post(
        "/admin/cainamur/user/",
        {"action": "reset_second_factor", "_selected_action": [caseworker.pk]},
    )
    # The open session is gone: the password comes first, before any new set-up.
    assert forgotten.get(reverse("second-factor-setup"))["Location"].startswith(reverse("login"))


def test_the_admin_login_is_the_applications_login(client: Any, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_page_refreshing_itself_does_not_keep_the_session(
    login_client: Any, reception: User
) -> None:
    client = login_client(reception)
    session = client.session
    idle_since = int(time.time()) - 29 * 60
    session[SEEN_AT] = idle_since
    session.save()
    client.get(reverse("home-reception"), HTTP_X_CAI_POLL="1", HTTP_HX_REQUEST="true")
    assert client.session[SEEN_AT] == idle_since


def test_the_admin_shows_no_personal_pause_nor_attestation_reasons(
    login_client: Any, administrator: User
) -> None:
    from datetime import date

    from parcours.models import Suspension

    Suspension.objects.create(start_on=date(2020, 3, 18), end_on=date(2020, 4, 30), reason="COVID")
    client = login_client(administrator)
    page = client.get("/admin/parcours/suspension/").content.decode()
    assert "COVID" in page
    from django.contrib import admin

    from attestations.models import Attestation

    excluded = admin.site._registry[Attestation].exclude or ()
    assert "revocation_reason" in excluded and "reissue_reason" in excluded


def test_an_operator_typing_nan_or_a_crumb_gets_an_error(
    client: Any, coordinator: User, caseworker: User
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from beneficiaries.models import Commune
    from operators import services
    from operators.models import Offer, Operator

    person = BeneficiaryFactory()
    operator = Operator.objects.create(name="ILI", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(operator=operator, title="Cit.", axis="citizenship", capacity=3)
    offer.communes.set(Commune.objects.filter(name="Namur"))
    orientation = services.orientation_propose(beneficiary=person, offer=offer, by=caseworker)
    services.orientation_move(orientation=orientation, to="enrolled", by=caseworker)
    _link, token = services.link_create(offer=offer, by=coordinator)
    url = reverse("operators:report", args=[token])
    today = timezone.localdate()
    for value in ("NaN", "sNaN", "Infinity", "1e400"):
        response = client.post(
            url,
            {
                "period_start": (today - timedelta(days=1)).isoformat(),
                "period_end": today.isoformat(),
                f"h_{orientation.pk}": value,
            },
        )
        assert response.status_code == 400, value
    # 200 hours in one day: not plausible, whatever the offer.
    heavy = client.post(
        url,
        {
            "period_start": today.isoformat(),
            "period_end": today.isoformat(),
            f"h_{orientation.pk}": "200",
        },
    )
    assert heavy.status_code == 400 and "10 heures par jour" in heavy.content.decode()


def test_a_password_set_by_an_administrator_is_told_to_the_superusers(
    login_client: Any,
    administrator: User,
    caseworker: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    User.objects.create_superuser("racine", "racine@cainamur.test", PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = login_client(administrator).post(
            f"/admin/cainamur/user/{caseworker.pk}/password/",
            {"password1": "Une-autre-phrase-2026", "password2": "Une-autre-phrase-2026"},
        )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="cainamur.password_set")
    assert event.actor == administrator
    assert [m.to for m in mail.outbox] == [["racine@cainamur.test"]]
    assert TOTPDevice.objects.filter(user=caseworker).exists()
