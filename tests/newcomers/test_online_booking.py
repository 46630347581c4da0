"""The newcomers' own pages: booking the welcome module online (/rdv/), the private link
to move or cancel it, reception linking or refusing it, the call-back request, and the
person's own page (/mon-parcours/)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments import online
from appointments.models import Appointment, OnlineBooking
from beneficiaries.page_links import page_link_send
from cainamur.models import ReadEvent, User
from offices.models import Office
from outbox.models import Dispatch
from reception.models import Callback
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_settings(settings: Any) -> None:
    settings.CAI_PUBLIC_MIN_SECONDS = 0  # the delay check is tested on its own below
    settings.CAI_PUBLIC_BOOKING_LEAD_DAYS = 1


@pytest.fixture
def open_online(namur: Office, present: User) -> Office:
    namur.online_share = 50
    namur.save(update_fields=["online_share"])
    return namur


def slots_on(page: str) -> list[str]:
    return re.findall(r'name="slot" id="[^"]+" value="([^"]+)"', page)


def form_data(page: str, **fields: str) -> dict[str, str]:
    shown = re.search(r'name="shown" value="([^"]+)"', page)
    assert shown is not None
    return {
        "shown": shown.group(1),
        "website": "",
        "bureau": "namur",
        "first_names": "Amal",
        "last_name": "Haddad",
        "phone": "0471 23 45 67",
        "sms": "on",
        "email": "",
        "language": "ar",
        **fields,
    }


def book_through_page(
    client: Client, capture: Any, *, slot_index: int = 0, **fields: str
) -> tuple[Any, str]:
    page = client.get(reverse("public:book") + "?bureau=namur").content.decode()
    slot = slots_on(page)[slot_index]
    with capture(execute=True):
        answer = client.post(
            reverse("public:book") + "?bureau=namur", form_data(page, slot=slot, **fields)
        )
    return answer, slot


def test_the_offer_is_the_online_share_of_each_day(open_online: Office) -> None:
    offered = online.offer(open_online)
    assert offered, "slots offered"
    first_day = timezone.localtime(offered[0].start).date()
    on_first_day = [s for s in offered if timezone.localtime(s.start).date() == first_day]
    # 9:00-12:30 and 13:30-16:30 hold 6 modules of an hour; half of them go online.
    assert len(on_first_day) >= 3
    for index in range(3):
        slot = online.offer(open_online, day=first_day)[0]
        online.online_book(
            office=open_online,
            start=slot.start,
            person=online.Person("A", f"B{index}", phone=f"+3247123456{index}"),
        )
    remaining = online.offer(open_online, day=first_day)
    assert remaining == [], "the day's share (3 of 6) is used up"
    assert online.offer(open_online), "the next days are still offered"


def test_arabic_booking_confirms_by_sms_with_a_private_link_to_move_and_cancel(
    open_online: Office,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client()
    home = client.get(reverse("public:home") + "?langue=ar")
    assert home.status_code == 200
    assert '<html lang="ar" dir="rtl">' in home.content.decode()
    assert "bootstrap.rtl.min.css" in home.content.decode()
    assert client.cookies["cai_langue"].value == "ar"
    answer, slot = book_through_page(client, django_capture_on_commit_callbacks)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    booking = OnlineBooking.objects.get()
    assert (booking.first_names, booking.phone, booking.language, booking.sms) == (
        "Amal",
        "+32471234567",
        "ar",
        True,
    )
    appointment = booking.appointments.get()
    assert appointment.created_by is None and appointment.beneficiary is None
    assert appointment.type.code == "welcome"
    booked = client.get(answer["Location"])
    assert "rtl" in booked.content.decode() and 'data-testid="booked"' in booked.content.decode()
    # The SMS: French, the private link, a line in Arabic.
    assert len(sms_in_memory) == 1
    body = sms_in_memory[0].body
    link = re.search(r"https?://\S+/rdv/g/([\w-]+)/", body)
    assert link is not None, body
    assert re.search("[\u0600-\u06ff]", body), "a line in Arabic"
    manage = client.get(reverse("public:manage", args=[link.group(1)]))
    assert manage.status_code == 200
    # Move to another slot.
    move_page = client.get(reverse("public:manage", args=[link.group(1)]) + "?action=deplacer")
    other = next(s for s in slots_on(move_page.content.decode()) if s != slot)
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(
            reverse("public:manage", args=[link.group(1)]), {"action": "deplacer", "slot": other}
        )
    assert moved.status_code == 200 and 'data-testid="booked"' in moved.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    new = booking.appointments.get(status=Appointment.Status.BOOKED)
    assert new.rescheduled_from == appointment
    assert len(sms_in_memory) == 2, "a new confirmation after the move"
    # Cancel: a confirmation page first, then the cancellation.
    confirm = client.get(reverse("public:manage", args=[link.group(1)]) + "?action=annuler")
    assert 'data-testid="confirm-cancel"' in confirm.content.decode()
    new.refresh_from_db()
    assert new.status == Appointment.Status.BOOKED, "nothing cancelled before confirming"
    client.post(
        reverse("public:manage", args=[link.group(1)]), {"action": "annuler", "confirm": "1"}
    )
    new.refresh_from_db()
    assert new.status == Appointment.Status.CANCELLED
    booking.refresh_from_db()
    assert booking.status == OnlineBooking.Status.CANCELLED
    assert client.get(reverse("public:manage", args=[link.group(1)])).status_code == 404
    assert client.get(reverse("public:manage", args=["not-a-token"])).status_code == 404


def test_a_lost_race_offers_fresh_slots_and_keeps_what_was_typed(
    open_online: Office, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    page = client.get(reverse("public:book") + "?bureau=namur").content.decode()
    slot = slots_on(page)[0]
    # Someone else takes it between the page and the click.
    online.online_book(
        office=open_online,
        start=online.offer(open_online)[0].start,
        person=online.Person("X", "Y", email="x@example.test"),
    )
    answer = client.post(reverse("public:book") + "?bureau=namur", form_data(page, slot=slot))
    assert answer.status_code == 409
    text = answer.content.decode()
    assert 'data-testid="fresh-offer"' in text
    assert slot not in slots_on(text)
    assert 'value="Haddad"' in text and 'value="Amal"' in text
    assert OnlineBooking.objects.count() == 1


def test_one_online_booking_to_come_per_phone_or_email(
    open_online: Office, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    first, _slot = book_through_page(client, django_capture_on_commit_callbacks)
    assert first.status_code == 302
    second, _slot = book_through_page(Client(), django_capture_on_commit_callbacks)
    assert second.status_code == 409
    assert 'data-testid="refusal"' in second.content.decode()
    assert OnlineBooking.objects.count() == 1


def test_robots_are_refused_and_nothing_typed_is_lost(
    open_online: Office, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    answer, _slot = book_through_page(
        Client(), django_capture_on_commit_callbacks, website="http://spam.example"
    )
    assert answer.status_code == 400
    assert 'value="Haddad"' in answer.content.decode()
    settings.CAI_PUBLIC_MIN_SECONDS = 30
    answer, _slot = book_through_page(Client(), django_capture_on_commit_callbacks)
    assert answer.status_code == 400
    assert OnlineBooking.objects.count() == 0


def test_a_contact_is_required_and_a_bad_phone_is_explained_in_the_language(
    open_online: Office, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.get(reverse("public:home") + "?langue=en")
    answer, _slot = book_through_page(client, django_capture_on_commit_callbacks, phone="12")
    assert answer.status_code == 400
    assert "phone number" in answer.content.decode().lower()
    answer, _slot = book_through_page(client, django_capture_on_commit_callbacks, phone="")
    assert answer.status_code == 400
    assert OnlineBooking.objects.count() == 0


def test_too_many_bookings_from_one_address_are_throttled(
    open_online: Office, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CAI_PUBLIC_RATE = "1/h"
    book_through_page(Client(), django_capture_on_commit_callbacks, phone="+32471000001")
    answer, _slot = book_through_page(
        Client(), django_capture_on_commit_callbacks, slot_index=1, phone="+32471000002"
    )
    assert answer.status_code == 429
    assert OnlineBooking.objects.count() == 1


def test_reception_sees_it_flagged_links_it_to_a_file_or_refuses_it(
    open_online: Office,
    reception: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _answer, _slot = book_through_page(Client(), django_capture_on_commit_callbacks)
    booking = OnlineBooking.objects.get()
    appointment = booking.appointments.get()
    staff = login_client(reception)
    day = timezone.localtime(appointment.during.lower).date()
    agenda = staff.get(reverse("appointments:agenda") + f"?bureau={open_online.pk}&jour={day}")
    text = agenda.content.decode()
    assert 'data-testid="online-badge"' in text and "Amal HADDAD" in text
    person = BeneficiaryFactory(
        first_names="Amal", last_name="Haddad", office=open_online, phone="+32471234567"
    )
    detail = staff.get(reverse("appointments:online", args=[booking.pk]))
    assert detail.status_code == 200 and person.file_number in detail.content.decode()
    staff.post(
        reverse("appointments:online", args=[booking.pk]), {"action": "link", "dossier": person.pk}
    )
    booking.refresh_from_db()
    appointment.refresh_from_db()
    assert booking.status == OnlineBooking.Status.LINKED
    assert appointment.beneficiary == person
    # A second booking, refused with a message to the person.
    _other, _slot = book_through_page(
        Client(),
        django_capture_on_commit_callbacks,
        slot_index=1,
        phone="",
        email="ivan@example.test",
        language="uk",
        first_names="Ivan",
    )
    refused = OnlineBooking.objects.get(first_names="Ivan")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("appointments:online", args=[refused.pk]),
            {"action": "refuse", "message": "Votre commune dépend du bureau de Dinant."},
        )
    refused.refresh_from_db()
    assert refused.status == OnlineBooking.Status.REFUSED
    assert refused.appointments.get().status == Appointment.Status.CANCELLED
    assert len(mail.outbox) == 1
    assert "Votre commune dépend du bureau de Dinant." in mail.outbox[0].body
    assert re.search("[\u0400-\u04ff]", mail.outbox[0].body), "a line in Ukrainian"
    assert Dispatch.objects.get(purpose=Dispatch.Purpose.ONLINE_REFUSAL).status == "sent"


def test_an_outsider_cannot_open_a_booking_of_another_office(
    open_online: Office, outsider: User, login_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    book_through_page(Client(), django_capture_on_commit_callbacks)
    booking = OnlineBooking.objects.get()
    answer = login_client(outsider).get(reverse("appointments:online", args=[booking.pk]))
    assert answer.status_code == 404


def test_the_call_back_request_becomes_a_call_back_in_the_language(
    open_online: Office,
) -> None:
    client = Client()
    page = client.get(reverse("public:callback") + "?langue=uk").content.decode()
    answer = client.post(
        reverse("public:callback"),
        {
            **form_data(page),
            "office": open_online.pk,
            "language": "uk",
            "first_names": "Olena",
            "last_name": "Koval",
            "subject": "Après 17 h",
        },
    )
    assert answer.status_code == 200 and 'data-testid="callback-done"' in answer.content.decode()
    callback = Callback.objects.get()
    assert (callback.name, callback.language, callback.office, callback.created_by) == (
        "Olena Koval",
        "uk",
        open_online,
        None,
    )
    assert "Après 17 h" in callback.subject


def test_the_personal_page_shows_the_path_and_logs_the_person_reading_it(
    open_online: Office, sms_in_memory: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    person = BeneficiaryFactory(
        first_names="Oksana",
        phone="+32471234599",
        email="oksana@example.test",
        contact_language="en",
        office=open_online,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page_link_send(beneficiary=person, by=None)
    assert len(mail.outbox) == 1
    link = re.search(r"/mon-parcours/([\w-]+)/", mail.outbox[0].body)
    assert link is not None
    assert "Your personal page" in mail.outbox[0].body
    client = Client()
    page = client.get(reverse("public:my-path", args=[link.group(1)]) + "?langue=en")
    assert page.status_code == 200
    assert "Oksana" in page.content.decode()
    read = ReadEvent.objects.get(beneficiary=person)
    assert read.actor is None and read.kind == ReadEvent.Kind.PERSON
    assert read.reader == "la personne elle-même"
    # Expired: a page to ask for a new link.
    person.page_links.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("public:my-path", args=[link.group(1)])).status_code == 404


def test_asking_a_new_link_answers_the_same_whether_the_contact_is_known(
    open_online: Office, django_capture_on_commit_callbacks: Any
) -> None:
    BeneficiaryFactory(email="known@example.test", office=open_online)
    client = Client()
    answers = []
    for contact in ("known@example.test", "unknown@example.test"):
        page = client.get(reverse("public:renew")).content.decode()
        data = form_data(page, contact=contact)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(reverse("public:renew"), data)
        answers.append(re.sub(r'name="shown" value="[^"]+"', "", answer.content.decode()))
    assert answers[0] == answers[1]
    assert Dispatch.objects.filter(purpose=Dispatch.Purpose.PAGE_LINK).count() == 1


def test_the_attestation_downloads_from_ones_own_page_only(
    caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    from attestations.services import attestation_issue, attestation_revoke
    from beneficiaries.page_links import page_link_new
    from tests.factories import complete_path, obliged_file

    attestations = []
    for name in ("Haddad", "Koval"):
        person = obliged_file(caseworker, last_name=name)
        parcours: Any = complete_path(person, caseworker)
        with django_capture_on_commit_callbacks(execute=True):
            attestations.append(attestation_issue(parcours=parcours, by=caseworker))
    mine, theirs = attestations
    token = page_link_new(mine.beneficiary).rstrip("/").rsplit("/", 1)[-1]
    client = Client()
    answer = client.get(reverse("public:my-attestation", args=[token, mine.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["Referrer-Policy"] == "no-referrer"
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    read = ReadEvent.objects.filter(beneficiary=mine.beneficiary).latest("pk")
    assert read.kind == ReadEvent.Kind.PERSON and mine.number in read.what
    # Someone else's attestation through my link: it does not exist for me.
    assert client.get(reverse("public:my-attestation", args=[token, theirs.pk])).status_code == 404
    assert not ReadEvent.objects.filter(beneficiary=theirs.beneficiary).exists()
    # Revoked: neither offered on the page nor downloadable.
    attestation_revoke(attestation=mine, by=caseworker, reason="Erreur d'heures")
    page = client.get(reverse("public:my-path", args=[token])).content.decode()
    assert 'data-testid="attestation"' not in page
    assert client.get(reverse("public:my-attestation", args=[token, mine.pk])).status_code == 404
    assert client.get(reverse("public:my-attestation", args=["x" * 40, mine.pk])).status_code == 404


def test_the_pages_tell_the_links_validity_the_centre_set(settings: Any) -> None:
    settings.CAI_PERSONAL_PAGE_DAYS = 14
    client = Client()
    french = client.get(reverse("public:renew")).content.decode()
    assert "un nouveau lien, valable 14 jours" in french
    ukrainian = client.get(reverse("public:renew") + "?langue=uk").content.decode()
    assert "діє 14 дн." in ukrainian
    gone = Client().get(reverse("public:my-path", args=["unknown-token"])).content.decode()
    assert "valables 14 jours" in gone
