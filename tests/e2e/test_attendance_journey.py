"""Issue 16's operator journey: from its reporting link, the operator downloads the
attendance template (its enrolled people), fills it with one bad line, uploads it, reads
the preview (the bad line's number and the link's reason, nothing recorded), confirms and
reads the report; the pages fit a phone."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from beneficiaries.models import Commune
from cainamur.models import User
from operators import services
from operators.models import Offer, Operator, ReportSubmission
from parcours.models import HoursEntry
from parcours.services import hours_record
from tests.factories import complete_path, obliged_file


def _enrol(offer: Offer, by: User, last_name: str, first_names: str) -> None:
    person = obliged_file(by, last_name=last_name, first_names=first_names)
    parcours: Any = complete_path(person, by)
    axis = parcours.axes.get(kind="citizenship")
    hours_record(axis=axis, on=timezone.localdate(), hours=Decimal("-30"), by=by)
    orientation = services.orientation_propose(beneficiary=person, offer=offer, by=by)
    services.orientation_move(orientation=orientation, to="enrolled", by=by)


def _no_overflow(page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


@pytest.mark.django_db(transaction=True)
def test_an_operator_imports_its_attendance_sheet(
    browser: Any, live_server: Any, caseworker: User, coordinator: User, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator, title="Citoyenneté en dari", axis="citizenship", capacity=8, hours=60
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    _enrol(offer, caseworker, "Karimi", "Ahmad")
    _enrol(offer, caseworker, "Bah", "Mariama")
    _enrol(offer, caseworker, "Haddad", "Omar")
    _link, token = services.link_create(offer=offer, by=coordinator)

    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-BE",
        viewport={"width": 1366, "height": 860},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/operateurs/heures/{token}/")
    page.get_by_role("link", name="Importer une feuille de présence (XLSX)").click()
    expect(page.get_by_role("heading", name="Importer une feuille de présence")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le modèle (XLSX)").click()
    template = tmp_path / "modele.xlsx"
    download_info.value.save_as(template)

    # The operator fills the template: two people for last week, the third with a period
    # that ends in the future (line 4, refused by the link's rule).
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    names = [sheet.cell(row=row, column=2).value for row in (2, 3, 4)]
    assert names == ["BAH Mariama", "HADDAD Omar", "KARIMI Ahmad"]
    today = timezone.localdate()
    for row in (2, 3):
        sheet.cell(row=row, column=3, value=today - timedelta(days=7))
        sheet.cell(row=row, column=4, value=today - timedelta(days=1))
        sheet.cell(row=row, column=5, value=12.5 if row == 2 else 10)
    sheet.cell(row=4, column=3, value=today - timedelta(days=2))
    sheet.cell(row=4, column=4, value=today + timedelta(days=5))
    sheet.cell(row=4, column=5, value=6)
    filled = tmp_path / "presences-novembre.xlsx"
    out = io.BytesIO()
    workbook.save(out)
    filled.write_bytes(out.getvalue())

    page.get_by_label("Feuille de présence (XLSX)").set_input_files(str(filled))
    page.get_by_role("button", name="Lire la feuille").click()
    expect(page.get_by_role("heading", name="Aperçu de la feuille de présence")).to_be_visible()
    expect(page.get_by_test_id("count-ok")).to_have_text("2")
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    bad = page.locator('[data-testid="attendance-row"][data-status="error"]')
    expect(bad).to_have_count(1)
    expect(bad.locator("td.line-number")).to_have_text("4")
    expect(bad).to_contain_text("KARIMI Ahmad")
    expect(bad).to_contain_text("La période ne peut pas se terminer dans le futur.")
    assert not ReportSubmission.objects.exists()
    _no_overflow(page)
    page.set_viewport_size({"width": 1366, "height": 860})

    page.get_by_role("button", name="Confirmer et enregistrer les heures").click()
    expect(page.get_by_role("heading", name="Rapport de la feuille de présence")).to_be_visible()
    expect(page.get_by_test_id("attendance-done")).to_contain_text("2 lignes d'heures enregistrées")
    expect(page.locator('[data-status="ok"]').first).to_contain_text("heures enregistrées")
    assert sorted(HoursEntry.objects.filter(source="operator").values_list("hours", flat=True)) == [
        Decimal("10"),
        Decimal("12.5"),
    ]
    _no_overflow(page)

    # The report stays reachable from the upload page.
    page.get_by_role("link", name="Déposer une autre feuille").click()
    expect(page.get_by_test_id("attendance-previous")).to_contain_text("2 lignes enregistrées")
    _no_overflow(page)
    assert errors == []
    context.close()
