"""Commune lists imported: read as data (CSV with any separator and encoding, XLSX with
real dates), columns remembered per commune, every bad line reported with its number,
nothing written before the confirmation, all or nothing, and never twice."""

from __future__ import annotations

import io
import time
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook

from beneficiaries.models import Beneficiary, Commune
from cainamur.models import AuditEvent, User
from imports import communes, services, tables
from imports.models import CommuneMapping, ImportBatch
from imports.tables import TableError, read_table
from parcours.models import ObligationAssessment
from tests.factories import BeneficiaryFactory
from tests.imports.conftest import (
    commune_csv,
    commune_xlsx,
    hostile_xlsx,
    register_number,
    sample,
)


def imported(data: bytes, name: str, by: User, commune: str = "Namur") -> ImportBatch:
    batch = services.commune_upload(
        data=data, filename=name, commune=Commune.objects.get(name=commune), by=by
    )
    return services.commune_columns(batch=batch, columns=batch.columns, by=by)


def by_line(batch: ImportBatch) -> dict[int, dict[str, Any]]:
    return {row["line"]: row for row in batch.rows()}


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Nom;Prénom\r\nHaddad;Aïcha\r\n", "utf-8-sig"),
        ("Nom,Prénom\nHaddad,Aïcha\n", "utf-8"),
        ("Nom\tPrénom\nHaddad\tAïcha\n", "utf-8"),
        ("Nom;Prénom\r\nHaddad;Aïcha\r\n", "cp1252"),
    ],
)
def test_csv_separators_and_encodings(text: str, encoding: str) -> None:
    table = read_table(text.encode(encoding), "liste.csv")
    assert table.headers == ["Nom", "Prénom"]
    assert table.rows == [(2, ["Haddad", "Aïcha"])]


def test_xlsx_dates_stay_dates_and_lines_keep_their_numbers() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nom", "Date de naissance"])
    sheet.append([None, None])  # a blank line: skipped, the numbering goes on
    sheet.append(["Haddad", date(1990, 5, 17)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "liste.xlsx")
    assert table.rows[0][0] == 3
    assert communes.parse_date(table.rows[0][1][1]) == date(1990, 5, 17)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<!doctype html><script>alert(1)</script>", "liste.csv"),
        (b"Nom;Prenom\n", "liste.xlsx"),  # the name says XLSX, the content does not
        (b"PK\x03\x04 not really", "liste.xlsx"),
        (b"Nom;Prenom\n", "liste.pdf"),
    ],
)
def test_what_is_not_a_table_is_refused(content: bytes, name: str) -> None:
    with pytest.raises(TableError):
        read_table(content, name)


@pytest.mark.parametrize("text", ["17/05/1990", "1990-05-17", "17-05-1990", "17.05.1990"])
def test_dates_as_communes_write_them(text: str) -> None:
    assert communes.parse_date(text) == date(1990, 5, 17)


def test_each_bad_line_is_reported_with_its_number_and_the_good_ones_go_ahead(
    coordinator: User,
) -> None:
    lines, bad = sample(rows=8, bad=4)
    batch = imported(commune_csv(lines), "liste.csv", coordinator)
    rows = by_line(batch)
    assert sorted(line for line, row in rows.items() if row["status"] == "error") == sorted(bad)
    reasons = {kind: rows[line]["reason"] for line, kind in bad.items()}
    assert "Numéro de registre national invalide" in reasons["register_number"]
    assert "Commune inconnue" in reasons["commune"] and "Bruxelles" in reasons["commune"]
    assert "Date illisible" in reasons["date"]
    assert "Nom ou prénom manquant" in reasons["name"]
    assert (batch.new_count, batch.error_count) == (4, 4)
    assert not Beneficiary.objects.exists()  # nothing before the confirmation
    batch = services.commune_confirm(batch=batch, by=coordinator)
    assert batch.created_count == 4 and Beneficiary.objects.count() == 4
    created = Beneficiary.objects.get(pk=by_line(batch)[min(set(rows) - set(bad))]["beneficiary"])
    assert created.office.code == "namur" and created.commune.name == "Namur"
    assert created.national_number and len(created.national_number) == 11
    assert AuditEvent.objects.filter(
        action="beneficiaries.beneficiary_register", beneficiary=created
    ).exists()


def test_the_obligation_is_assessed_after_the_commit(
    coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    lines, _bad = sample(rows=3, bad=0)
    batch = imported(commune_xlsx(lines), "liste.xlsx", coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        services.commune_confirm(batch=batch, by=coordinator)
    assert ObligationAssessment.objects.count() == 3
    assert not Beneficiary.objects.filter(obligation_status="").exists()


def test_a_number_disagreeing_with_the_birth_date_is_an_error(coordinator: User) -> None:
    lines, _bad = sample(rows=1, bad=0)
    lines[0][0] = register_number(date(1980, 1, 1), 1)
    rows = by_line(imported(commune_csv(lines), "liste.csv", coordinator))
    assert (
        rows[2]["status"] == "error" and "Ce numéro correspond à une naissance" in rows[2]["reason"]
    )


def test_the_same_list_twice_creates_nothing(coordinator: User) -> None:
    lines, _bad = sample(rows=5, bad=1)
    data = commune_xlsx(lines)
    first = services.commune_confirm(
        batch=imported(data, "liste.xlsx", coordinator), by=coordinator
    )
    assert first.created_count == 4
    again = imported(data, "liste.xlsx", coordinator)
    assert (again.new_count, again.existing_count, again.error_count) == (0, 4, 1)
    assert services.previous_import(again) == first
    again = services.commune_confirm(batch=again, by=coordinator)
    assert again.created_count == 0 and Beneficiary.objects.count() == 4


def test_likely_duplicates_and_repeats_within_the_file_are_existing(coordinator: User) -> None:
    BeneficiaryFactory(last_name="Haddad", first_names="Amina", birth_date=date(1990, 5, 17))
    text = (
        "Nom;Prénom;Sexe;Date de naissance;Nationalité\r\n"
        "HADDAD;Aminah;F;17/05/1990;Maroc\r\n"
        "Nowak;Olena;F;1992-03-04;UA\r\n"
        "Nowak;Olena;F;04/03/1992;Ukraine\r\n"
    )
    rows = by_line(imported(text.encode("cp1252"), "liste.csv", coordinator))
    assert rows[2]["status"] == "existing" and "Doublon probable" in rows[2]["reason"]
    assert rows[3]["status"] == "new"
    assert rows[4]["status"] == "existing" and "ligne 3" in rows[4]["reason"]


def test_columns_are_remembered_per_commune(coordinator: User) -> None:
    text = "NOM;Prenoms;Ne(e) le;M/F;Pays;Quartier\r\nNowak;Olena;04/03/1992;F;UA;Jambes\r\n"
    batch = services.commune_upload(
        data=text.encode(),
        filename="a.csv",
        commune=Commune.objects.get(name="Namur"),
        by=coordinator,
    )
    chosen = {
        "last_name": "NOM",
        "first_names": "Prenoms",
        "birth_date": "Ne(e) le",
        "sex": "M/F",
        "nationality": "Pays",
    }
    services.commune_columns(batch=batch, columns=chosen, by=coordinator)
    assert CommuneMapping.objects.get(commune__name="Namur").columns["nationality"] == "Pays"
    # Next month, the same commune writes its headers differently (case, accents).
    text = "Nom;Prénoms;Né(e) le;m/f;PAYS;Quartier\r\nHaddad;Amina;17/05/1990;F;MA;Bouge\r\n"
    batch = services.commune_upload(
        data=text.encode(),
        filename="b.csv",
        commune=Commune.objects.get(name="Namur"),
        by=coordinator,
    )
    assert batch.columns == {
        "last_name": "Nom",
        "first_names": "Prénoms",
        "birth_date": "Né(e) le",
        "sex": "m/f",
        "nationality": "PAYS",
    }


def test_a_failure_during_the_confirmation_writes_nothing(
    coordinator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines, _bad = sample(rows=5, bad=0)
    batch = imported(commune_csv(lines), "liste.csv", coordinator)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    # The files are inserted, then their audit lines fail: the batch is undone whole.
    monkeypatch.setattr(AuditEvent.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        services.commune_confirm(batch=batch, by=coordinator)
    assert not Beneficiary.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW and batch.created_count == 0


def test_a_confirmed_batch_is_not_confirmed_again(coordinator: User) -> None:
    lines, _bad = sample(rows=2, bad=0)
    batch = services.commune_confirm(
        batch=imported(commune_csv(lines), "liste.csv", coordinator), by=coordinator
    )
    with pytest.raises(services.ImportRefused):
        services.commune_confirm(batch=batch, by=coordinator)


# --- Hostile workbooks: read within bounds, whatever they claim -----------------------------


def _timed_read(data: bytes) -> tuple[float, Any]:
    started = time.monotonic()
    try:
        outcome: Any = read_table(data, "liste.xlsx")
    except TableError as error:
        outcome = error
    return time.monotonic() - started, outcome


def test_a_tiny_workbook_claiming_the_widest_sheet_is_read_at_once() -> None:
    """5 KB claiming 16,384 columns and 20,000 lines (one far cell): read in well under a
    second (it froze a worker for 30 s), its two real lines with their numbers."""
    data = hostile_xlsx(claimed="A1:XFD20000", far_cell="A20000")
    assert len(data) < 10_000
    seconds, table = _timed_read(data)
    assert seconds < 1.0
    assert table.headers == ["Nom", "Prénom"]
    assert table.rows == [(2, ["Haddad", "Aïcha"]), (20000, ["x"])]


def test_blank_lines_count_towards_the_limit() -> None:
    """A cell past the last line allowed refuses the sheet, however blank the lines before."""
    seconds, error = _timed_read(
        hostile_xlsx(claimed="A1:XFD1048576", far_cell=f"A{tables.MAX_LINES + 5}")
    )
    assert seconds < 1.0
    assert isinstance(error, TableError) and "divisez le fichier" in str(error)


@pytest.mark.parametrize(("row", "column"), [(1, 78), (1, 16384), (3, 51)])
def test_columns_past_the_limit_are_refused(row: int, column: int) -> None:
    """A header far to the right (BZ, XFD), or any value just past the limit."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nom", "Prénom"])
    sheet.append(["Haddad", "Aïcha"])
    sheet.cell(row=row, column=column, value="Remarque")
    buffer = io.BytesIO()
    workbook.save(buffer)
    seconds, error = _timed_read(buffer.getvalue())
    assert seconds < 1.0
    assert isinstance(error, TableError)
    assert str(error) == (
        f"Ce classeur a plus de {tables.MAX_COLUMNS} colonnes : gardez seulement les "
        "colonnes de la liste."
    )


def test_a_zip_bomb_is_refused_before_it_is_read() -> None:
    """A sheet whose XML inflates past the limit (a few kilobytes on the wire)."""
    data = hostile_xlsx(claimed="A1:B3", far_cell="A3", padding=tables.MAX_XLSX_BYTES + 1)
    assert len(data) < 200_000
    seconds, error = _timed_read(data)
    assert seconds < 1.0
    assert isinstance(error, TableError) and "trop volumineux" in str(error)


def test_an_ordinary_workbook_keeps_its_cells() -> None:
    """The bounds change nothing for a list within them (ten columns, blank cells kept)."""
    lines, _bad = sample(rows=3, bad=0)
    lines[1][5] = None  # a blank cell in the middle of a line
    table = read_table(commune_xlsx(lines), "liste.xlsx")
    assert len(table.headers) == 10
    assert [number for number, _cells in table.rows] == [2, 3, 4]
    assert table.rows[1][1][5] is None and table.rows[1][1][9] == lines[1][9]


def test_lists_are_not_kept_forever(coordinator: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    lines, _bad = sample(rows=4, bad=0)
    done = services.commune_confirm(
        batch=imported(commune_xlsx(lines), "done.xlsx", coordinator), by=coordinator
    )
    other, _bad = sample(rows=3, bad=0, seed=8)
    waiting = imported(commune_xlsx(other), "waiting.xlsx", coordinator)
    storage = done.source.storage
    kept = {done.pk: done.source.name, waiting.pk: waiting.source.name}
    assert services.sources_expire(timezone.now() + timedelta(days=6)) == {
        "sources_deleted": 0,
        "abandoned": 0,
    }
    # A week on, the list never confirmed is abandoned; a month on, the confirmed list's
    # file goes, and its report stays.
    assert services.sources_expire(timezone.now() + timedelta(days=31)) == {
        "sources_deleted": 1,
        "abandoned": 1,
    }
    done.refresh_from_db()
    waiting.refresh_from_db()
    assert not done.source and done.status == ImportBatch.Status.DONE and done.rows()
    assert waiting.status == ImportBatch.Status.ABANDONED
    assert not storage.exists(kept[done.pk])
