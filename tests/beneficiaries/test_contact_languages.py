"""The languages the centre writes to people in: a catalogue per language in ``locale/``,
kept up to date with the strings marked ``for_person`` in the code; a string a catalogue
lacks is never shown as a key (the French text goes alone)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils.translation import to_locale

from appointments.messages import TRANSLATED
from beneficiaries.contact_languages import (
    BY_CODE,
    CONTACT_LANGUAGES,
    contact_language_for,
    translated_for,
    translation_of,
    whole_translation,
)
from beneficiaries.models import Beneficiary
from cainamur.models import User
from tests.beneficiaries.test_file import registration

LOCALE = Path(settings.BASE_DIR) / "locale"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_every_language_has_its_catalogue_with_every_people_facing_string(
    tmp_path: Path,
) -> None:
    # The strings as the code marks them today (what `make messages` extracts).
    extracted = tmp_path / "people.pot"
    # The same extraction as `make messages`: Python and the public pages' templates.
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "-q",
            "extract",
            "--mapping-file",
            str(settings.BASE_DIR / "babel.cfg"),
            "--no-default-keywords",
            "--keyword",
            "for_person",
            "--keyword",
            "person_text",
            "--ignore-dirs",
            ".* _* var static test-artifacts bench tests",
            "--output-file",
            str(extracted),
            str(settings.BASE_DIR),
        ],
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "PYTHONPATH": str(settings.BASE_DIR), "DJANGO_SETTINGS_MODULE": ""},
    )
    wanted = _ids(extracted)
    assert set(TRANSLATED.values()) <= wanted
    assert _ids(LOCALE / "people.pot") == wanted, "run `make messages`"
    for language in CONTACT_LANGUAGES:
        if language.code == "fr":
            continue  # the reference: the strings themselves
        catalogue = LOCALE / to_locale(language.code) / "LC_MESSAGES" / "django.po"
        assert _ids(catalogue) == wanted, language.code
        assert catalogue.with_suffix(".mo").exists(), "run `make catalogs`"


def test_a_missing_translation_is_never_a_key_nor_the_french_twice() -> None:
    confirmation = next(iter(TRANSLATED.values()))
    assert translation_of(confirmation, "fr") == ""
    assert translation_of(confirmation, "de") == ""  # not a language the centre writes in
    unknown = "Une phrase qu'aucun catalogue ne connaît."
    assert translation_of(unknown, "ar") == ""
    assert translation_of(confirmation, "ru").startswith("Подтверждение")
    assert "ምርግጋጽ" in translation_of(confirmation, "ti")
    # The first of the person's languages that has the text, the interpreter's first.
    assert translated_for(confirmation, ["", "es"])[0] == "es"
    assert translated_for(unknown, ["ti", "so"]) == ("", "")


def test_a_letter_goes_whole_in_a_language_or_not_at_all() -> None:
    confirmation = next(iter(TRANSLATED.values()))
    letter = {"line": confirmation, "title": "Invitation à l'entretien d'évaluation"}
    code, texts = whole_translation(letter, ["de", "uk"])
    assert code == "uk" and texts["title"] == "Запрошення на оцінювальну співбесіду"
    # A paragraph no catalogue has: no language has the whole letter, French alone.
    half = {**letter, "new": "Un paragraphe qu'aucun catalogue ne connaît encore."}
    assert whole_translation(half, ["ru", "uk", "es"]) == ("", {})


def test_the_languages_people_speak_map_to_those_written_to_them() -> None:
    assert contact_language_for(["fr", "fa", "ar"]) == "fa-af"  # Dari, not Farsi
    assert contact_language_for(["de", "nl"]) == ""
    assert BY_CODE["ar"].direction == "rtl" and BY_CODE["uk"].direction == "ltr"
    assert [language.code for language in CONTACT_LANGUAGES] == [
        "fr", "ar", "uk", "ru", "en", "es", "fa-af", "ps", "ti", "tr", "so",
    ]  # fmt: skip


def test_the_contact_language_is_chosen_on_the_file(login_client: Any, caseworker: User) -> None:
    client = login_client(caseworker)
    client.post(reverse("beneficiaries:create"), registration(languages=["ar", "en"]))
    file = Beneficiary.objects.get(last_name="El Amrani")
    assert file.contact_language == ""
    page = reverse("beneficiaries:detail", args=[file.pk])
    assert "selon ses langues" in client.get(page).content.decode()
    edit = reverse("beneficiaries:update", args=[file.pk])
    refused = client.post(edit, registration(languages=["ar", "en"], contact_language="de"))
    assert refused.status_code == 200 and "Sélectionnez un choix valide" in refused.content.decode()
    client.post(edit, registration(languages=["ar", "en"], contact_language="en"))
    file.refresh_from_db()
    assert file.contact_language == "en"
    assert "anglais — English" in client.get(page).content.decode()
