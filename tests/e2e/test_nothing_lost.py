"""Issue 14, « Nothing typed is lost »: every refused form comes back with what was typed and
the error next to the field concerned.

Each test fills every field of one form in Chromium, makes exactly one field wrong (a
semantic error the browser cannot catch), submits, and checks that the page answers with
the error in that field's own feedback and every other value still in place.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from beneficiaries.models import Commune
from cainamur.models import User
from offices.models import Office, StaffAvailability
from operators import services as operator_services
from operators.models import Offer, Operator, ReportSubmission
from parcours.models import HoursEntry, Parcours
from parcours.services import hours_record
from reception.models import Callback, QueueTicket
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BeneficiaryFactory, complete_path, obliged_file


def _error_beside(page: Any, selector: str, text: str) -> None:
    """The error is shown in the feedback of the field's own block, not only at the top."""
    from playwright.sync_api import expect

    field = page.locator(selector)
    expect(field).to_be_visible()
    block = field.locator("xpath=ancestor::*[.//*[contains(@class, 'invalid-feedback')]][1]")
    expect(block.locator(".invalid-feedback")).to_contain_text(text)
    # The block is the field's own: it holds no other input of the form than this one.
    inputs = block.locator("input:not([type=hidden]), select, textarea")
    assert inputs.count() <= 2, f"the error of {selector} is not beside it"


def _running_path(caseworker: User) -> Parcours:
    """A signed path whose citizenship axis still needs hours."""
    person = obliged_file(caseworker, last_name="Karimi", first_names="Ahmad")
    parcours: Parcours = complete_path(person, caseworker)  # type: ignore[assignment]
    axis = parcours.axes.get(kind="citizenship")
    hours_record(axis=axis, on=timezone.localdate(), hours=Decimal("-20"), by=caseworker)
    return parcours


@pytest.mark.django_db(transaction=True)
def test_hours_line_keeps_what_was_typed(page: Any, caseworker: User) -> None:
    from playwright.sync_api import expect

    parcours = _running_path(caseworker)
    citizenship = parcours.axes.get(kind="citizenship")
    before = HoursEntry.objects.count()
    day = (timezone.localdate() - timedelta(days=3)).isoformat()

    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{parcours.beneficiary_id}/")
    page.locator("#hours_axis").select_option(str(citizenship.pk))
    page.locator("#hours_on").fill(day)
    page.locator("#hours_hours").fill("11")  # more than one day holds (10 h)
    page.locator("#hours_note").fill("Cours du soir à l'ILI")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Enregistrer les heures").click()
    assert answer.value.status == 400

    _error_beside(page, "#hours_hours", "10")
    expect(page.locator("#hours_hours")).to_have_value("11")
    expect(page.locator("#hours_axis")).to_have_value(str(citizenship.pk))
    expect(page.locator("#hours_on")).to_have_value(day)
    expect(page.locator("#hours_note")).to_have_value("Cours du soir à l'ILI")
    assert HoursEntry.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_exemption_keeps_what_was_typed(page: Any, caseworker: User) -> None:
    from playwright.sync_api import expect

    person = obliged_file(caseworker, last_name="Haddad", first_names="Nour")
    future = (timezone.localdate() + timedelta(days=20)).isoformat()

    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/")
    page.locator("#exemption_code").select_option("employment")
    page.locator("#exemption_proven_on").fill(future)  # a proof dated in the future
    page.locator("#exemption_notes").fill("Contrat à durée indéterminée chez Delhaize")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Ajouter la dispense").click()
    assert answer.value.status == 400

    _error_beside(page, "#exemption_proven_on", "futur")
    expect(page.locator("#exemption_proven_on")).to_have_value(future)
    expect(page.locator("#exemption_code")).to_have_value("employment")
    expect(page.locator("#exemption_notes")).to_have_value(
        "Contrat à durée indéterminée chez Delhaize"
    )
    assert not person.exemptions.exists()


@pytest.mark.django_db(transaction=True)
def test_booking_keeps_the_chosen_slot_and_the_remark(
    page: Any, reception: User, caseworker: User
) -> None:
    from playwright.sync_api import expect

    namur = Office.objects.get(code="namur")
    for weekday in range(7):
        StaffAvailability.objects.create(
            staff=caseworker, office=namur, weekday=weekday, starts=time(0, 0), ends=time(23, 59)
        )
    namur.hours.filter(kind="reception").delete()
    for weekday in range(7):
        namur.hours.create(kind="reception", weekday=weekday, opens=time(0, 0), closes=time(23, 59))
    person = BeneficiaryFactory(last_name="Haddad", first_names="Yasmine")

    log_in(page, reception.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/")
    page.get_by_test_id("book-appointment").click()
    page.get_by_label("Type de rendez-vous").select_option(label="Bilan social")
    page.get_by_role("button", name="Voir les créneaux libres").click()
    chosen = page.locator("input[name=slot]").nth(2)
    slot_value = chosen.get_attribute("value")
    page.locator(f"label[for='{chosen.get_attribute('id')}']").click()
    page.locator("#id_interpreter_language").select_option("ar")
    # The remark is too long: the browser's limit is taken away, as an old browser or a
    # pasted text past the limit would; the server must say so on the remark.
    page.locator("#id_notes").evaluate("el => el.removeAttribute('maxlength')")
    remark = "Apporter le titre de séjour. " * 11  # 319 characters, 300 allowed
    page.locator("#id_notes").fill(remark)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_test_id("book").click()
    assert answer.value.status == 400

    _error_beside(page, "#id_notes", "300")
    expect(page.locator("#id_notes")).to_have_value(remark)
    expect(page.locator("#id_interpreter_language")).to_have_value("ar")
    expect(page.locator(f"input[name=slot][value='{slot_value}']")).to_be_checked()
    assert not Appointment.objects.exists()

    # Shortened, the same page books the slot that stayed chosen.
    page.locator("#id_notes").fill("Apporter le titre de séjour.")
    page.get_by_test_id("book").click()
    expect(page.get_by_text("Rendez-vous « Bilan social »")).to_be_visible()
    booked = Appointment.objects.get()
    assert booked.interpreter_language == "ar"
    assert f"{booked.staff_id}|" in (slot_value or "")


@pytest.mark.django_db(transaction=True)
def test_callback_keeps_what_was_typed(page: Any, reception: User, caseworker: User) -> None:
    from playwright.sync_api import expect

    namur = Office.objects.get(code="namur")
    log_in(page, reception.username, PASSWORD)
    page.goto(reverse("reception:callback-create"))
    page.locator("#id_name").fill("Samir Haddad")
    page.locator("#id_phone").fill("0471 23")  # not a phone number
    page.locator("#id_language").select_option("ar")
    page.locator("#id_subject").fill("Rappeler pour le rendez-vous du bilan social")
    page.locator("#id_office").select_option(str(namur.pk))
    page.locator("#id_urgency").select_option("urgent")
    page.locator("#id_assigned_to").select_option(str(caseworker.pk))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Enregistrer le message").click()
    assert answer.value.status == 400

    _error_beside(page, "#id_phone", "pas valide")
    expect(page.locator("#id_phone")).to_have_value("0471 23")
    expect(page.locator("#id_name")).to_have_value("Samir Haddad")
    expect(page.locator("#id_language")).to_have_value("ar")
    expect(page.locator("#id_subject")).to_have_value(
        "Rappeler pour le rendez-vous du bilan social"
    )
    expect(page.locator("#id_office")).to_have_value(str(namur.pk))
    expect(page.locator("#id_urgency")).to_have_value("urgent")
    expect(page.locator("#id_assigned_to")).to_have_value(str(caseworker.pk))
    assert not Callback.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_permanence_ticket_keeps_what_was_typed(page: Any, reception: User) -> None:
    from playwright.sync_api import expect

    log_in(page, reception.username, PASSWORD)
    page.goto("/rendez-vous/permanences/")
    page.get_by_role("link", name="Levons les freins").click()
    page.locator("#id_file_number").fill("CAI-2026-99999")  # no such file
    page.locator("#id_name").fill("Samir Haddad")
    page.locator("#id_phone").fill("0471 23 45 67")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Donner un ticket").click()
    assert answer.value.status == 400

    _error_beside(page, "#id_file_number", "Aucun dossier")
    expect(page.locator("#id_file_number")).to_have_value("CAI-2026-99999")
    expect(page.locator("#id_name")).to_have_value("Samir Haddad")
    expect(page.locator("#id_phone")).to_have_value("0471 23 45 67")
    assert not QueueTicket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_operator_report_keeps_every_line(page: Any, caseworker: User, coordinator: User) -> None:
    from playwright.sync_api import expect

    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator, title="Citoyenneté", axis="citizenship", capacity=10, hours=60
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    orientations = []
    for last_name in ("Karimi", "Haddad"):
        person = obliged_file(caseworker, last_name=last_name, first_names="Test")
        parcours: Parcours = complete_path(person, caseworker)  # type: ignore[assignment]
        axis = parcours.axes.get(kind="citizenship")
        hours_record(axis=axis, on=timezone.localdate(), hours=Decimal("-20"), by=caseworker)
        orientation = operator_services.orientation_propose(
            beneficiary=person, offer=offer, by=caseworker
        )
        operator_services.orientation_move(orientation=orientation, to="enrolled", by=caseworker)
        orientations.append(orientation)
    karimi, haddad = orientations
    _link, token = operator_services.link_create(offer=offer, by=coordinator)
    start = (timezone.localdate() - timedelta(days=13)).isoformat()
    end = (timezone.localdate() - timedelta(days=1)).isoformat()

    page.goto(reverse("operators:report", args=[token]))
    page.locator("#period_start").fill(start)
    page.locator("#period_end").fill(end)
    page.locator(f"#h_{karimi.pk}").fill("75")  # more than the offer's 60 hours
    page.locator(f"#h_{haddad.pk}").fill("12,5")
    page.locator(f"#d_{haddad.pk}").check()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Enregistrer les heures").click()
    assert answer.value.status == 400

    _error_beside(page, f"#h_{karimi.pk}", "plus d'heures")
    expect(page.locator(f"#h_{karimi.pk}")).to_have_value("75")
    expect(page.locator(f"#h_{haddad.pk}")).to_have_value("12,5")
    expect(page.locator(f"#d_{haddad.pk}")).to_be_checked()
    expect(page.locator(f"#d_{karimi.pk}")).not_to_be_checked()
    expect(page.locator("#period_start")).to_have_value(start)
    expect(page.locator("#period_end")).to_have_value(end)
    # The other line has no error of its own.
    expect(
        page.locator(f"#h_{haddad.pk}")
        .locator("xpath=ancestor::tr[1]")
        .locator(".invalid-feedback")
    ).to_have_count(0)
    assert not ReportSubmission.objects.exists()
