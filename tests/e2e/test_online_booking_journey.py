"""On a phone, an Arabic-speaking person books the welcome module on /rdv/ (right to left),
receives the SMS (the development backend, a file), moves the appointment through its
link; reception sees it « réservé en ligne » and links it to a file. axe-core (vendored
from npm, run in the page) finds no serious or critical violation on the public pages.
Ukrainian and English bookings, one with JavaScript off; the person's own page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from appointments.models import Appointment, OnlineBooking
from cainamur.models import User
from offices.models import Office
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD, BeneficiaryFactory

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def axe_violations(page: Any) -> list[str]:
    """Serious and critical violations axe-core finds on the page (WCAG 2.1 A/AA)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))"
        ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(result)


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    # axe-core is injected as a script: the page's Content-Security-Policy (our own
    # scripts only) would refuse it, so this context bypasses it for the test.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def online_namur(reference_data: None, caseworker: User, settings: Any) -> Office:
    from datetime import time

    from offices.models import StaffAvailability

    settings.CAI_PUBLIC_MIN_SECONDS = 0
    namur = Office.objects.get(code="namur")
    namur.online_share = 50
    namur.save(update_fields=["online_share"])
    for weekday in range(5):
        for starts, ends in ((time(9), time(12, 30)), (time(13, 30), time(16, 30))):
            StaffAvailability.objects.create(
                staff=caseworker, office=namur, weekday=weekday, starts=starts, ends=ends
            )
    return namur


def book(page: Any, *, language: str, first: str, last: str, phone_number: str) -> None:
    page.goto(f"/rdv/?langue={language}")
    page.get_by_test_id("book").click()
    page.get_by_test_id("office").first.click()
    page.locator("label[for^='slot-']").first.click()
    page.locator("#id_first_names").fill(first)
    page.locator("#id_last_name").fill(last)
    page.locator("#id_phone").fill(phone_number)
    page.get_by_test_id("confirm").click()
    page.get_by_test_id("booked").wait_for()


@pytest.fixture
def sms_files(settings: Any, tmp_path: Path) -> Any:
    """The development SMS backend: each message a file under VAR_DIR/mail/."""
    settings.CAI_SMS_BACKEND = "outbox.sms.FileBackend"
    settings.VAR_DIR = tmp_path

    def received() -> list[str]:
        return [path.read_text() for path in sorted((tmp_path / "mail").glob("sms-*.txt"))]

    return received


@pytest.mark.django_db(transaction=True)
def test_an_arabic_speaking_person_books_moves_and_reception_links(
    phone: Any,
    browser: Any,
    live_server: Any,
    online_namur: Office,
    reception: User,
    sms_files: Any,
) -> None:
    from playwright.sync_api import expect

    phone.goto("/rdv/?langue=ar")
    assert phone.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert phone.evaluate("document.documentElement.lang") == "ar"
    assert axe_violations(phone) == []
    phone.get_by_test_id("book").click()
    phone.get_by_test_id("office").first.click()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(phone) == []
    phone.locator("label[for^='slot-']").first.click()
    phone.locator("#id_first_names").fill("Amal")
    phone.locator("#id_last_name").fill("Haddad")
    phone.locator("#id_phone").fill("0471 23 45 67")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "online-booking-ar-390.png"), full_page=True)
    phone.get_by_test_id("confirm").click()
    expect(phone.get_by_test_id("booked")).to_be_visible()
    assert phone.evaluate("getComputedStyle(document.body).direction") == "rtl"

    sent = sms_files()
    assert len(sent) == 1 and sent[0].startswith("To: +32471234567")
    body = sent[0]
    assert re.search("[\u0600-\u06ff]", body), body
    link = re.search(r"/rdv/g/[\w-]+/", body)
    assert link is not None, body
    phone.goto(link.group(0))
    phone.get_by_test_id("move").click()
    phone.locator("label[for^='slot-']").nth(1).click()
    phone.get_by_test_id("confirm-move").click()
    expect(phone.get_by_test_id("booked")).to_be_visible()
    booking = OnlineBooking.objects.get()
    assert booking.appointments.filter(status=Appointment.Status.BOOKED).count() == 1
    assert booking.appointments.filter(status=Appointment.Status.CANCELLED).count() == 1

    # Reception: flagged on the agenda, linked to the file.
    person = BeneficiaryFactory(first_names="Amal", last_name="Haddad", office=online_namur)
    staff = browser.new_context(base_url=live_server.url).new_page()
    log_in(staff, reception.username, PASSWORD)
    staff.goto("/rendez-vous/en-ligne/")
    staff.get_by_test_id("online-row").get_by_role("link").click()
    staff.get_by_test_id("candidate").filter(has_text=person.file_number).get_by_role(
        "button"
    ).click()
    expect(staff.get_by_test_id("online-badge").first).to_be_visible()
    booking.refresh_from_db()
    assert booking.beneficiary == person


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "word"), [("uk", "[\u0400-\u04ff]"), ("en", "appointment")])
def test_ukrainian_and_english_bookings(
    phone: Any, online_namur: Office, sms_in_memory: list[Any], language: str, word: str
) -> None:
    book(phone, language=language, first="Olena", last="Koval", phone_number="0471 23 45 68")
    assert phone.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert axe_violations(phone) == []
    assert re.search(word, sms_in_memory[0].body, re.IGNORECASE), sms_in_memory[0].body
    assert OnlineBooking.objects.get().language == language


@pytest.mark.django_db(transaction=True)
def test_the_person_asks_for_their_page_sees_their_hours_and_downloads_the_attestation(
    phone: Any, caseworker: User, sms_in_memory: list[Any], settings: Any
) -> None:
    """An Arabic-speaking person whose path is complete types their phone number on
    /mon-parcours/, opens the link the SMS brings, reads their hours per axis right to left
    and downloads their attestation; the file's notes never show."""
    import io

    settings.CAI_PUBLIC_MIN_SECONDS = 0  # a person types slower than the test
    from pypdf import PdfReader

    from attestations.services import attestation_issue
    from cainamur.models import ReadEvent
    from tests.factories import complete_path, obliged_file

    person = obliged_file(
        caseworker,
        first_names="Amal",
        last_name="Haddad",
        phone="+32471234577",
        contact_language="ar",
        notes="Suivi psychologique en cours",
    )
    parcours: Any = complete_path(person, caseworker)
    attestation = attestation_issue(parcours=parcours, by=caseworker)
    attestation.refresh_from_db()
    assert attestation.pdf, "the attestation's PDF is rendered (eager task)"

    phone.goto("/mon-parcours/?langue=ar")
    assert phone.evaluate("getComputedStyle(document.body).direction") == "rtl"
    phone.locator("#id_contact").fill("0471 23 45 77")
    phone.get_by_test_id("send").click()
    phone.get_by_test_id("renew-sent").wait_for()
    assert len(sms_in_memory) == 1
    link = re.search(r"/mon-parcours/[\w-]+/", sms_in_memory[0].body)
    assert link is not None, sms_in_memory[0].body

    phone.goto(link.group(0))
    assert phone.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    text = phone.locator("main").inner_text()
    assert re.search("[\u0600-\u06ff]", phone.locator("h1").inner_text()), "in Arabic"
    assert "Amal" in text and "Suivi psychologique" not in text
    axes = phone.get_by_test_id("axis")
    # Citizenship 60 h of 60 and French 120 h of 120 (the path is complete).
    assert axes.count() >= 2
    assert any("60" in axes.nth(i).inner_text() for i in range(axes.count()))
    assert any("120" in axes.nth(i).inner_text() for i in range(axes.count()))
    assert axe_violations(phone) == []
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "my-path-ar-390.png"), full_page=True)

    with phone.expect_download() as download:
        phone.get_by_test_id("attestation").click()
    pdf = Path(download.value.path()).read_bytes()
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert attestation.number in words and "HADDAD" in words.upper()
    reads = ReadEvent.objects.filter(beneficiary=person, kind=ReadEvent.Kind.PERSON)
    assert reads.count() == 2  # the page, then the attestation


@pytest.mark.django_db(transaction=True)
def test_booking_works_without_javascript(
    browser: Any, live_server: Any, online_namur: Office, sms_in_memory: list[Any]
) -> None:
    """A phone with JavaScript off: plain links and forms book all the same (htmx only
    enhances)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        book(page, language="en", first="Olena", last="Koval", phone_number="0471 23 45 69")
        booking = OnlineBooking.objects.get()
        assert booking.appointments.filter(status=Appointment.Status.BOOKED).count() == 1
        assert len(sms_in_memory) == 1
    finally:
        context.close()
