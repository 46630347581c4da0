"""A coordinator answers a person's rights, in Chromium: keeps a file for a dispute, exports
everything held as a ZIP, then anonymises the file once the hold is lifted."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from beneficiaries.models import Beneficiary
from cainamur.models import ReadEvent, User
from rights.models import Anonymisation, LegalHold
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, obliged_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hold_export_and_anonymise(page: Any, caseworker: User, coordinator: User) -> None:
    person = obliged_file(
        caseworker, last_name="Droitova", first_names="Iryna", national_number="85073003328"
    )
    log_in(page, coordinator.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/")
    section = page.get_by_test_id("personal-data")
    section.get_by_label("Conserver pour une raison légale (motif)").fill("Recours, réf. 26/7")
    section.get_by_role("button", name="Conserver").click()
    assert "Recours, réf. 26/7" in page.get_by_test_id("legal-hold").inner_text()
    assert LegalHold.objects.get(beneficiary=person).set_by == coordinator

    page.get_by_test_id("export-data").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-download").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    identity = json.loads(archive.read("donnees.json"))["tables"]["dossier"][0]
    assert identity["last_name"] == "Droitova" and identity["national_number"] == "85073003328"
    assert ReadEvent.objects.filter(beneficiary=person, kind="export").exists()

    # Held, the file cannot be anonymised; lifted (after a confirmation), it can.
    page.goto(f"/dossiers/{person.pk}/")
    page.get_by_role("link", name="Anonymiser…").click()
    assert "raison légale" in page.locator("main").inner_text()
    page.goto(f"/dossiers/{person.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())  # « Lever la conservation ? »
    page.get_by_role("button", name="Lever la conservation").click()
    page.wait_for_load_state()
    assert not LegalHold.objects.filter(beneficiary=person).exists()
    page.get_by_role("link", name="Anonymiser…").click()
    page.get_by_label("Numéro du dossier, pour confirmer").fill("CAI-1999-00001")
    page.get_by_role("button", name="Anonymiser définitivement").click()
    assert "Tapez exactement le numéro du dossier" in page.locator("main").inner_text()
    page.get_by_label("Numéro du dossier, pour confirmer").fill(person.file_number)
    page.get_by_role("button", name="Anonymiser définitivement").click()
    page.wait_for_url(f"**/dossiers/{person.pk}/**")
    assert "Dossier anonymisé le" in page.get_by_test_id("personal-data").inner_text()
    assert "Droitova" not in page.locator("main").inner_text()
    person = Beneficiary.objects.get(pk=person.pk)
    assert person.national_number is None and person.last_name == "ANONYMISÉ"
    assert Anonymisation.objects.get(beneficiary=person).by == coordinator
