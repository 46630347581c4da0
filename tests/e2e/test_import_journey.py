"""A coordinator imports a commune's list with bad lines: uploads it, maps its columns,
sees the preview with each bad line's number and reason, confirms, lands on the report
whose new files exist; importing the same list again creates nothing."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bench.imports import HEADERS, commune_rows, commune_xlsx
from beneficiaries.models import Beneficiary
from cainamur.models import User
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD


def _upload(page: Any, path: Path) -> None:
    page.get_by_role("link", name="Imports").first.click()
    page.get_by_role("link", name="Importer une liste").click()
    page.get_by_label("Commune").select_option(label="Namur")
    page.get_by_label("Liste des personnes inscrites (CSV ou XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Lire le fichier").click()


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_imports_a_commune_list(page: Any, coordinator: User, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    lines, bad = commune_rows(30, 4, rng=random.Random(3), today=date(2026, 11, 30))
    # The commune writes « Prénom » its own way: chosen by hand the first time.
    headers = [("Prénom usuel" if h == "Prénom(s)" else h) for h in HEADERS]
    data = commune_xlsx(lines, headers)
    path = tmp_path / "inscriptions-namur-novembre.xlsx"
    path.write_bytes(data)

    log_in(page, coordinator.username, PASSWORD)
    _upload(page, path)
    expect(page.get_by_role("heading", name="Colonnes du fichier")).to_be_visible()
    expect(page.get_by_label("Prénoms")).to_have_value("")
    page.get_by_label("Prénoms").select_option("Prénom usuel")
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.get_by_test_id("count-new")).to_have_text("26")
    expect(page.get_by_test_id("count-errors")).to_have_text("4")
    page.get_by_role("link", name="Erreurs (4)").click()
    rows = page.get_by_test_id("import-row")
    expect(rows).to_have_count(4)
    for line in bad:
        expect(page.locator("td.line-number", has_text=str(line))).to_have_count(1)
    expect(page.locator("table")).to_contain_text("Commune inconnue")
    expect(page.locator("table")).to_contain_text("Numéro de registre national invalide")
    assert not Beneficiary.objects.exists()

    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("26 dossiers créés")
    assert Beneficiary.objects.count() == 26
    page.get_by_role("link", name="Nouveaux dossiers (26)").click()
    first = page.get_by_test_id("import-row").first.get_by_role("link")
    number = first.inner_text()
    first.click()
    expect(page.locator("body")).to_contain_text(number)

    # The same list again: the columns are remembered, every person is an existing file.
    _upload(page, path)
    expect(page.get_by_label("Prénoms")).to_have_value("Prénom usuel")
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_test_id("count-new")).to_have_text("0")
    expect(page.get_by_test_id("count-existing")).to_have_text("26")
    expect(page.locator("body")).to_contain_text("Ce fichier a déjà été importé")
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("0 dossiers créés")
    assert Beneficiary.objects.count() == 26

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
