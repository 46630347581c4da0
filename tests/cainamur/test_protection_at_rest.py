"""Protection at rest (issue 13): register numbers are encrypted in every table and history
row, found by exact search through their blind index; stored files are encrypted."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from stdnum.be import nn

from attestations.documents import attestation_pdf_store, attestation_render
from attestations.services import attestation_issue
from beneficiaries.models import Beneficiary, BeneficiaryEvent
from beneficiaries.selectors import beneficiary_search
from beneficiaries.services import beneficiary_update
from cainamur.crypto import FILE_MAGIC, blind_index, decrypt_text, generate_key
from cainamur.models import User
from tests.attestations.test_services import pdf_text
from tests.beneficiaries.test_file import VALID_NRN, registration
from tests.factories import BeneficiaryFactory, complete_path, obliged_file

OTHER_NRN = "90020212372"


def text_columns_holding(patterns: list[str]) -> dict[str, int]:
    """For every table of the database (history tables included), how many rows hold one
    of the patterns anywhere in their text form."""
    regex = "|".join(re.escape(p) for p in patterns)
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert len(tables) > 40  # every app's tables, not an empty schema
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted} AS t WHERE t::text ~ %s", [regex])
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


@pytest.mark.django_db(transaction=False)
def test_no_register_number_in_clear_in_any_table(
    login_client: Any, caseworker: User, settings: Any, caplog: Any
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", beneficiaries=60, stdout=io.StringIO())
    client = login_client(caseworker)
    caplog.set_level(logging.DEBUG)
    # A file registered through the form, edited (history rows), searched by its number.
    response = client.post(
        reverse("beneficiaries:create"),
        # The birth date and sex the number says (85.07.30, a man).
        registration(national_number=nn.format(VALID_NRN), birth_date="1985-07-30", sex="M"),
    )
    assert response.status_code == 302, response.content.decode()[:500]
    created = Beneficiary.objects.with_national_number(VALID_NRN).get()
    beneficiary_update(
        beneficiary=created,
        data={"national_number": OTHER_NRN, "birth_date": date(1990, 2, 2)},
        by=caseworker,
    )
    beneficiary_update(beneficiary=created, data={"phone": "+32471000000"}, by=caseworker)
    attestation = attestation_issue(parcours=complete_path(created, caseworker), by=caseworker)
    # The list searches through a POST (the number never in a URL), by the blind index.
    found = client.post(reverse("beneficiaries:list"), {"q": nn.format(OTHER_NRN)}).content
    someone_else = Beneficiary.objects.exclude(pk=created.pk).first()
    assert created.file_number in found.decode()
    assert someone_else is not None and someone_else.file_number not in found.decode()

    numbers = {VALID_NRN, OTHER_NRN} | set(
        Beneficiary.objects.exclude(national_number=None).values_list("national_number", flat=True)
    )
    assert len(numbers) >= 55
    patterns = sorted(numbers) + sorted(nn.format(n) for n in numbers)
    assert text_columns_holding(patterns) == {}
    # The scan does find a number written in clear (it is not blind).
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE leak (note text)")
        cursor.execute("INSERT INTO leak VALUES (%s)", [f"n° {nn.format(VALID_NRN)}"])
        cursor.execute(
            "SELECT count(*) FROM leak AS t WHERE t::text ~ %s", [re.escape(nn.format(VALID_NRN))]
        )
        assert cursor.fetchone()[0] == 1
    # Every stored file (here the attestation's PDF) is encrypted on disk.
    assert attestation_pdf_store(attestation.pk)
    attestation.refresh_from_db()
    # The document shows the number as it always did (masked), decrypted from its snapshot.
    assert "90.02.02-***.**" in pdf_text(attestation)
    stored = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert stored
    assert all(path.read_bytes().startswith(FILE_MAGIC) for path in stored)
    # Nor in the log lines of the requests and services above.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(number in logged or nn.format(number) in logged for number in numbers)


def test_found_by_exact_search_and_kept_unique(db: None, caseworker: User) -> None:
    person = BeneficiaryFactory(national_number=VALID_NRN)
    person.refresh_from_db()
    assert person.national_number == VALID_NRN  # read back in clear
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT national_number, national_number_index FROM beneficiaries_beneficiary "
            "WHERE id = %s",
            [person.pk],
        )
        stored, index = cursor.fetchone()
    assert VALID_NRN not in stored and decrypt_text(stored) == VALID_NRN
    assert index == blind_index(VALID_NRN, purpose="national_number") and VALID_NRN not in index
    assert list(beneficiary_search(Beneficiary.objects.all(), "85.07.30-033.28")) == [person]
    with pytest.raises(FieldError, match="blind index"):
        list(Beneficiary.objects.filter(national_number=VALID_NRN))
    # Two files cannot hold the same number, even past the form's check.
    with pytest.raises(IntegrityError), transaction.atomic():
        BeneficiaryFactory(national_number=VALID_NRN)
    # A changed number moves its index with it (update_fields included).
    beneficiary_update(
        beneficiary=person,
        data={"national_number": OTHER_NRN},
        by=caseworker,
        number_confirmed=True,  # another birth date and sex than the file's
    )
    assert not Beneficiary.objects.with_national_number(VALID_NRN).exists()
    assert list(Beneficiary.objects.with_national_number(OTHER_NRN)) == [person]
    beneficiary_update(beneficiary=person, data={"national_number": None}, by=caseworker)
    person.refresh_from_db()
    assert person.national_number is None and person.national_number_index is None


def test_stored_files_are_encrypted_on_disk(db: None, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    content = b"%PDF-1.4 certificat medical de Salma El Amrani %%EOF"
    name = default_storage.save("force-majeure/2026/abc.pdf", ContentFile(content))
    on_disk = (tmp_path / name).read_bytes()
    assert on_disk.startswith(FILE_MAGIC)
    assert b"Salma" not in on_disk and b"%PDF" not in on_disk
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == content
    # A file written before encryption is still read, and `rotate_keys` encrypts it.
    (tmp_path / "old.pdf").write_bytes(content)
    with default_storage.open("old.pdf", "rb") as handle:
        assert handle.read() == content


def test_production_refuses_missing_or_reused_keys(settings: Any) -> None:
    from cainamur.checks import check_data_keys

    settings.CAI_DATA_KEYS = ["not-a-key"]
    assert [e.id for e in check_data_keys()] == ["cainamur.E004"]
    settings.CAI_DATA_KEYS = [settings.SECRET_KEY]
    assert "cainamur.E005" in [e.id for e in check_data_keys()]


def test_key_rotation_re_encrypts_everything(
    db: None, caseworker: User, settings: Any, tmp_path: Path
) -> None:
    """A new key put in front, `rotate_keys` re-encrypts rows, history rows, snapshots and
    files with it; the old key can then be removed and everything still reads."""
    old_key = settings.CAI_DATA_KEYS[0]
    person = obliged_file(caseworker, national_number=VALID_NRN)
    beneficiary_update(beneficiary=person, data={"phone": "+32471000001"}, by=caseworker)
    attestation = attestation_issue(parcours=complete_path(person, caseworker), by=caseworker)
    name = default_storage.save("documents/2026/x.pdf", ContentFile(b"%PDF-1.4 x %%EOF"))
    (Path(settings.MEDIA_ROOT) / "documents" / "old.pdf").write_bytes(b"%PDF clear %%EOF")

    settings.CAI_DATA_KEYS = [generate_key(), old_key]
    settings.CAI_INDEX_KEY = "a-new-index-key-of-more-than-thirty-two-characters"
    out = io.StringIO()
    call_command("rotate_keys", "--dry-run", stdout=out)
    planned = out.getvalue()
    assert "beneficiaries_beneficiary : 1 ligne(s) à rechiffrer" in planned
    assert "attestations_attestation : 1 ligne(s)" in planned
    assert "Fichiers : 2 sur 2 à rechiffrer" in planned
    assert not Beneficiary.objects.with_national_number(VALID_NRN).exists()  # old index
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "beneficiaries_beneficiaryevent : " in out.getvalue()  # history rows too

    settings.CAI_DATA_KEYS = settings.CAI_DATA_KEYS[:1]  # the old key removed
    assert Beneficiary.objects.with_national_number(VALID_NRN).get() == person
    assert {e.national_number for e in BeneficiaryEvent.objects.filter(pgh_obj=person)} == {
        VALID_NRN
    }
    attestation.refresh_from_db()
    assert b"85.07.30-***.**" not in json.dumps(attestation.snapshot).encode()
    assert attestation_render(attestation.snapshot).startswith(b"%PDF")  # decrypts
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b"%PDF-1.4 x %%EOF"
    with default_storage.open("documents/old.pdf", "rb") as handle:
        assert handle.read() == b"%PDF clear %%EOF"
    assert (Path(settings.MEDIA_ROOT) / "documents" / "old.pdf").read_bytes().startswith(FILE_MAGIC)
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Tout est déjà chiffré avec la première clé." in out.getvalue()


def test_the_model_checks_a_register_number_the_database_cannot_see(db: None) -> None:
    """The admin (and any service) validates through the model: 11 digits, check digits,
    no other file's (the database only sees ciphertext and an index)."""
    from django.core.exceptions import ValidationError

    BeneficiaryFactory(national_number=VALID_NRN)
    for number, message in [
        ("garbage", "11 chiffres"),
        ("85.07.30-033.28", "11 chiffres"),
        ("85073003329", "chiffres de contrôle"),
        (VALID_NRN, "déjà celui d'un autre dossier"),
    ]:
        person = BeneficiaryFactory.build(national_number=number)
        with pytest.raises(ValidationError, match=message):
            person.full_clean(exclude=["file_number", "commune", "office"])


def test_health_says_when_the_keys_cannot_read_the_data(
    db: None, client: Any, settings: Any
) -> None:
    BeneficiaryFactory(national_number=VALID_NRN)
    assert client.get("/health/").json()["checks"]["data_keys"] == "ok"
    settings.CAI_DATA_KEYS = [generate_key()]  # a valid key, but not the one used
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["checks"]["data_keys"] == "error"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"beneficiaries_beneficiary .* illisible"):
        call_command("rotate_keys", "--dry-run", stdout=io.StringIO())
