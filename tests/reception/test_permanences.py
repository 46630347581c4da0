"""The walk-in permanence queue: tickets, call next, outcome; scoped to offices."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from cainamur.models import User
from reception.models import Permanence, QueueTicket
from tests.factories import BeneficiaryFactory


def isp() -> Permanence:
    return Permanence.objects.get(office__code="namur")


def test_arrivals_get_numbers_and_are_called_in_order(
    reception: User, caseworker: User, login_client: Any
) -> None:
    permanence = isp()
    known = BeneficiaryFactory(last_name="Connu")
    desk = login_client(reception)
    url = reverse("reception:queue-arrival", args=[permanence.pk])
    refused = desk.post(url, {"file_number": "", "name": "", "phone": ""})
    assert refused.status_code == 400 and "Indiquez le nom" in refused.content.decode()
    refused = desk.post(url, {"file_number": "CAI-2099-99999"})
    assert refused.status_code == 400 and "Aucun dossier" in refused.content.decode()
    desk.post(url, {"file_number": known.file_number.lower()})
    desk.post(url, {"name": "Sans Dossier", "phone": "0471 23 45 67"})
    tickets = list(QueueTicket.objects.order_by("number"))
    assert [(t.number, t.beneficiary_id) for t in tickets] == [(1, known.pk), (2, None)]
    assert tickets[1].phone == "+32471234567"

    staff = login_client(caseworker)
    queue = reverse("reception:queue", args=[permanence.pk])
    fragment = staff.get(queue, headers={"HX-Request": "true"}).content.decode()
    assert "2 personnes en attente" in fragment and "<html" not in fragment
    staff.post(reverse("reception:queue-next", args=[permanence.pk]))
    first = QueueTicket.objects.get(number=1)
    assert first.status == "called" and first.called_by == caseworker
    finish = reverse("reception:ticket-finish", args=[first.pk])
    assert "Choisissez le sujet" in staff.post(finish, {"topic": ""}, follow=True).content.decode()
    staff.post(finish, {"topic": "diploma", "note": "Dossier NARIC à compléter"})
    first.refresh_from_db()
    assert first.status == "done" and first.topic == "diploma" and first.finished_at
    staff.post(reverse("reception:ticket-left", args=[QueueTicket.objects.get(number=2).pk]))
    assert QueueTicket.objects.get(number=2).status == "left"
    empty = staff.post(reverse("reception:queue-next", args=[permanence.pk]), follow=True)
    assert "Personne n&#x27;attend." in empty.content.decode()


def test_another_office_cannot_see_the_queue(outsider: User, login_client: Any) -> None:
    permanence = isp()
    client = login_client(outsider)
    assert client.get(reverse("reception:queue", args=[permanence.pk])).status_code == 404
    assert client.post(reverse("reception:queue-next", args=[permanence.pk])).status_code == 404
    page = client.get(reverse("reception:permanences")).content.decode()
    assert "Levons les freins" not in page


def test_a_ticket_is_linked_to_a_file_later(reception: User, login_client: Any) -> None:
    from django.utils import timezone

    from reception.services import ticket_register

    ticket = ticket_register(
        permanence=isp(), on=timezone.localdate(), by=reception, name="Sans Dossier"
    )
    person = BeneficiaryFactory()
    client = login_client(reception)
    url = reverse("reception:ticket-link", args=[ticket.pk])
    assert "Aucun dossier" in client.post(url, {"file_number": "X"}, follow=True).content.decode()
    client.post(url, {"file_number": person.file_number})
    ticket.refresh_from_db()
    assert ticket.beneficiary == person
