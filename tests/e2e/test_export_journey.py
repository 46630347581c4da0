"""A caseworker exports the file list as it is filtered on screen: the browser downloads
the workbook (the page stays, htmx leaves the export buttons alone), and the export is in
« Mes exports »."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from cainamur.models import User
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD, BeneficiaryFactory


@pytest.mark.django_db(transaction=True)
def test_export_the_filtered_file_list(page: Any, caseworker: User, namur: Any) -> None:
    from playwright.sync_api import expect

    BeneficiaryFactory(office=namur, last_name="Haddad", first_names="Nour")
    BeneficiaryFactory(office=namur, last_name="Kovalenko", first_names="Olena")
    log_in(page, caseworker.username, PASSWORD)
    page.get_by_role("link", name="Dossiers", exact=True).click()
    page.get_by_label("Nom ou numéro de dossier").press_sequentially("kova", delay=40)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.startswith("dossiers-")
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Kovalenko"]
    # The page is still the list, with what was typed.
    expect(page.get_by_label("Nom ou numéro de dossier")).to_have_value("kova")
    page.goto(page.url.split("/dossiers/")[0] + "/exports/")
    expect(page.get_by_test_id("export-row")).to_have_count(1)
    expect(page.get_by_test_id("export-row")).to_contain_text("recherche par nom ou numéro")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "exports-journal.png"), full_page=True)
