"""Call-backs: log a message, call back, close; each office sees its own, oldest first."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from cainamur.models import User
from offices.models import Office
from reception.models import Callback


def test_a_message_is_logged_called_back_and_closed(
    reception: User, caseworker: User, namur: Office, login_client: Any
) -> None:
    client = login_client(reception)
    refused = client.post(
        reverse("reception:callback-create"),
        {"name": "Olena K.", "phone": "12", "subject": "", "office": namur.pk, "urgency": "normal"},
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "pas valide" in text and "Indiquez l&#x27;objet" in text and 'value="Olena K."' in text
    response = client.post(
        reverse("reception:callback-create"),
        {
            "name": "Olena K.",
            "phone": "0471 23 45 67",
            "language": "uk",
            "subject": "Demande un rendez-vous pour le module d'accueil",
            "office": namur.pk,
            "urgency": "urgent",
            "assigned_to": caseworker.pk,
        },
    )
    assert response.status_code == 302
    callback = Callback.objects.get()
    assert callback.phone == "+32471234567" and callback.created_by == reception
    home = client.get(reverse("home-reception")).content.decode()
    assert "Olena K." in home and "1 message à rappeler" in home

    worker = login_client(caseworker)
    detail = reverse("reception:callback", args=[callback.pk])
    worker.post(detail, {"outcome": "no_answer", "note": "Messagerie pleine"})
    worker.post(detail, {"outcome": "reached", "done": "on"})
    callback.refresh_from_db()
    assert callback.status == "done" and callback.closed_by == caseworker
    assert callback.attempts.count() == 2
    assert "Olena K." not in client.get(reverse("reception:callbacks")).content.decode()


def test_each_office_sees_its_own_oldest_first(
    reception: User, outsider: User, namur: Office, login_client: Any
) -> None:
    dinant = Office.objects.get(code="dinant")
    first = Callback.objects.create(
        name="Premier", phone="+3281713518", subject="x", office=namur, created_by=reception
    )
    Callback.objects.create(
        name="Second", phone="+3281713518", subject="y", office=namur, created_by=reception
    )
    Callback.objects.create(
        name="À Dinant", phone="+3281713518", subject="z", office=dinant, created_by=outsider
    )
    page = login_client(reception).get(reverse("reception:callbacks")).content.decode()
    assert page.index("Premier") < page.index("Second") and "À Dinant" not in page
    other = login_client(outsider)
    assert other.get(reverse("reception:callback", args=[first.pk])).status_code == 404
    assert other.post(reverse("reception:callback-done", args=[first.pk])).status_code == 404
    login_client(reception).post(reverse("reception:callback-done", args=[first.pk]))
    first.refresh_from_db()
    assert first.status == "done"
