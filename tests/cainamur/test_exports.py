"""Exports of the lists: what is on screen with its filters, as a spreadsheet people open
(typed cells, dates as dates, a frozen header, widths), as CSV Excel reads (BOM,
semicolons, never a formula), logged, large ones built by a task for their owner only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from beneficiaries.models import Beneficiary
from cainamur import exports
from cainamur.models import AuditEvent, Export, ReadEvent, User
from offices.models import Office
from parcours.models import AxisKind
from tests.factories import BeneficiaryFactory, obliged_file, signed_path

pytestmark = pytest.mark.django_db


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _sheet(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(_body(response))).active


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    raw = _body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _export(client: Client, source: str, fmt: str, **filters: Any) -> Any:
    return client.post(reverse("exports:start"), {"source": source, "format": fmt, **filters})


@pytest.fixture
def files(namur: Office, dinant: Office) -> dict[str, Beneficiary]:
    return {
        "haddad": BeneficiaryFactory(
            last_name="Haddad", first_names="Amal", birth_date=date(1991, 2, 3), office=namur
        ),
        "formula": BeneficiaryFactory(
            last_name='=HYPERLINK("http://x")', first_names="-2+3", office=namur
        ),
        "dinant": BeneficiaryFactory(last_name="Dupont", first_names="Ana", office=dinant),
    }


def test_the_file_list_as_a_workbook_people_can_work_with(
    caseworker: User, login_client: Callable[[User], Client], files: dict[str, Beneficiary]
) -> None:
    sheet = _sheet(_export(login_client(caseworker), "dossiers", "xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:5] == ("Dossier", "Nom", "Prénoms", "Sexe", "Date de naissance")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 22
    # Only the caseworker's office (Namur): Dinant's file is not in it.
    assert {r[0] for r in body} == {files["haddad"].file_number, files["formula"].file_number}
    haddad = next(r for r in body if r[1] == "Haddad")
    assert isinstance(haddad[4], datetime) and haddad[4].date() == date(1991, 2, 3)  # a date
    birth = next(c for c in sheet[2 if body[0][1] == "Haddad" else 3] if c.column == 5)
    assert birth.is_date and birth.number_format == "DD/MM/YYYY"
    formula = next(r for r in body if r[0] == files["formula"].file_number)
    # Typed by a person, never run as a formula.
    # Typed by a person: shown as typed, as text, never run as a formula.
    assert formula[1] == '=HYPERLINK("http://x")' and formula[2] == "-2+3"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_csv_opens_in_excel_and_never_runs_a_formula(
    caseworker: User, login_client: Callable[[User], Client], files: dict[str, Beneficiary]
) -> None:
    rows = _csv(_export(login_client(caseworker), "dossiers", "csv"))
    assert rows[0][:3] == ["Dossier", "Nom", "Prénoms"]
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[files["haddad"].file_number][4] == "03/02/1991"
    assert by_number[files["formula"].file_number][1].startswith("'=")
    assert files["dinant"].file_number not in by_number


def test_the_export_holds_what_the_filters_show_and_logs_them_without_the_search(
    caseworker: User, login_client: Callable[[User], Client], files: dict[str, Beneficiary]
) -> None:
    client = login_client(caseworker)
    rows = _csv(_export(client, "dossiers", "csv", q="Haddad"))
    assert [r[0] for r in rows[1:]] == [files["haddad"].file_number]
    export = Export.objects.get()
    assert export.requested_by == caseworker and export.rows == 1
    assert export.status == Export.Status.DOWNLOADED and export.query == ""
    assert "Haddad" not in str(export.filters)
    assert ["Rechercher", "recherche par nom ou numéro"] in export.filters
    read = ReadEvent.objects.get(kind=ReadEvent.Kind.EXPORT)
    assert read.files == [files["haddad"].pk]
    assert AuditEvent.objects.filter(action="cainamur.export", actor=caseworker).exists()
    journal = client.get(reverse("exports:journal")).content.decode()
    assert "Dossiers" in journal and "recherche par nom ou numéro" in journal


def test_a_large_export_is_built_by_a_task_for_its_owner_only(
    caseworker: User,
    outsider: User,
    coordinator: User,
    login_client: Callable[[User], Client],
    files: dict[str, Beneficiary],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CAI_EXPORT_SYNC_ROWS = 1
    client = login_client(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = _export(client, "dossiers", "xlsx", commune="")
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:detail", args=[export.pk])
    export.refresh_from_db()  # the task ran after commit (tasks run in process in tests)
    assert export.status == Export.Status.READY and export.rows == 2
    assert export.query == ""  # the search's text is not kept once the file is built
    page = client.get(response["Location"]).content.decode()
    assert "Le fichier est prêt : 2 lignes." in page
    sheet = _sheet(client.get(reverse("exports:download", args=[export.pk])))
    assert sheet.max_row == 3
    # Nobody else gets it, not even a coordinator: 404, not 403.
    for other in (outsider, coordinator):
        other_client = login_client(other)
        assert other_client.get(reverse("exports:detail", args=[export.pk])).status_code == 404
        assert other_client.get(reverse("exports:download", args=[export.pk])).status_code == 404
    # The coordinator reads it in the export log, without the file.
    log = login_client(coordinator).get(reverse("exports:journal") + "?tous=1").content.decode()
    assert str(caseworker) in log and "Télécharger" not in log


def test_a_failed_build_says_so_and_keeps_no_parameters(
    caseworker: User, files: dict[str, Beneficiary]
) -> None:
    export = Export.objects.create(
        source="inconnue",
        label="?",
        format="csv",
        query='{"q": "Haddad"}',
        requested_by=caseworker,
    )
    with pytest.raises(LookupError):
        exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and export.query == ""
    assert exports.export_build(export.pk) is None  # not queued any more: nothing twice


def test_old_export_files_are_deleted_and_the_log_line_stays(
    caseworker: User,
    login_client: Callable[[User], Client],
    files: dict[str, Beneficiary],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CAI_EXPORT_SYNC_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        _export(login_client(caseworker), "dossiers", "csv")
    export = Export.objects.get()
    name = export.file.name
    assert export.file.storage.exists(name)
    assert exports.exports_expire(timezone.now() + timedelta(days=6)) == 0
    assert exports.exports_expire(timezone.now() + timedelta(days=8)) == 1
    export.refresh_from_db()
    assert export.status == Export.Status.EXPIRED and not export.file
    assert not export.file.storage.exists(name)


def test_who_may_export_what(
    personas: dict[str, User], login_client: Callable[[User], Client], files: Any
) -> None:
    reception = login_client(personas["reception"])
    assert _export(reception, "dossiers", "csv").status_code == 404
    assert _export(reception, "rappels", "csv").status_code == 302  # allowed, but empty
    assert _export(reception, "attestations", "csv").status_code == 404
    caseworker = login_client(personas["caseworker"])
    assert _export(caseworker, "attestations", "csv").status_code == 404
    assert _export(caseworker, "inconnue", "csv").status_code == 404
    assert _export(caseworker, "dossiers", "pdf").status_code == 400
    assert _export(login_client(personas["coordinator"]), "dossiers", "xlsx").status_code == 200
    assert _export(login_client(personas["coordinator"]), "attestations", "xlsx").status_code == 302
    anonymous = Client().post(reverse("exports:start"), {"source": "dossiers", "format": "csv"})
    assert anonymous.status_code == 302 and "/connexion/" in anonymous["Location"]


def test_the_file_list_offers_its_exports_to_those_who_may(
    personas: dict[str, User], login_client: Callable[[User], Client]
) -> None:
    page = login_client(personas["caseworker"]).get(reverse("beneficiaries:list")).content
    assert b'data-testid="export-xlsx"' in page and b'value="parcours"' in page
    page = login_client(personas["reception"]).get(reverse("beneficiaries:list")).content
    assert b'data-testid="export' not in page


def test_paths_export_their_deadlines_and_hours_per_axis(
    caseworker: User, login_client: Callable[[User], Client], files: dict[str, Beneficiary]
) -> None:
    from parcours.services import hours_record

    haddad = obliged_file(caseworker, last_name="Haddad", first_names="Nour")
    parcours: Any = signed_path(haddad, caseworker)
    french = parcours.axes.get(kind=AxisKind.FRENCH)
    for day, hours in ((40, "12.5"), (47, "7.25")):
        hours_record(
            axis=french,
            on=date(2026, 3, 2) + timedelta(days=day),
            first_day=date(2026, 3, 2) + timedelta(days=day - 6),
            hours=Decimal(hours),
            by=caseworker,
        )
    sheet = _sheet(_export(login_client(caseworker), "parcours", "xlsx", q="Nour"))
    header, *body = list(sheet.iter_rows(values_only=True))
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Dossier"] == haddad.file_number
    assert row["Français : heures suivies"] == pytest.approx(19.75)
    assert row["Français : heures requises"] == 120
    assert row["Citoyenneté : heures suivies"] == 0
    assert row["Ouvert le"].date() == date(2026, 3, 2)


def test_the_agenda_exports_the_days_asked_for_within_a_year(
    caseworker: User, namur: Office, dinant: Office, login_client: Callable[[User], Client]
) -> None:
    from cainamur.exports import source

    src = source("rendez-vous")
    assert src is not None
    office, first, last = __import__("appointments.exports").exports.agenda_span(
        caseworker, {"bureau": str(namur.pk), "jour": "2026-12-07", "jusqu_au": "2028-01-01"}
    )
    assert office == namur and first == date(2026, 12, 7)
    assert last == date(2027, 12, 7)  # 366 days at most
    _office, first, last = __import__("appointments.exports").exports.agenda_span(
        caseworker, {"bureau": str(namur.pk), "jour": "2026-12-07", "jusqu_au": "2026-12-01"}
    )
    assert last == first  # an end before the start: that day only
    # Another office's agenda: nothing (the caseworker works in Namur only).
    response = _export(
        login_client(caseworker), "rendez-vous", "csv", bureau=dinant.pk, jour="2026-12-07"
    )
    assert response.status_code == 302 and not Export.objects.exists()


def test_the_files_ticked_in_the_list_export_alone_within_scope(
    caseworker: User, login_client: Callable[[User], Client], files: dict[str, Beneficiary]
) -> None:
    client = login_client(caseworker)
    response = client.post(
        reverse("exports:start"),
        {
            "source": "dossiers",
            "format": "csv",
            "portee": "selection",
            # One of theirs, and Dinant's (not theirs: left out, never exported).
            "dossiers": [files["haddad"].pk, files["dinant"].pk],
        },
    )
    assert [r[0] for r in _csv(response)[1:]] == [files["haddad"].file_number]
    assert ["Sélection", "2 dossiers cochés"] in Export.objects.get().filters


def test_an_empty_list_says_there_is_nothing_to_export(
    caseworker: User, login_client: Callable[[User], Client], files: dict[str, Beneficiary]
) -> None:
    client = login_client(caseworker)
    response = client.post(
        reverse("exports:start"),
        {"source": "dossiers", "format": "xlsx", "q": "personne-de-ce-nom"},
        HTTP_REFERER="http://testserver/dossiers/",
        follow=True,
    )
    assert response.redirect_chain == [("http://testserver/dossiers/", 302)]
    assert "Rien à exporter" in response.content.decode()
    assert not Export.objects.exists()


def test_a_control_character_never_breaks_an_export(
    caseworker: User, namur: Office, login_client: Callable[[User], Client]
) -> None:
    odd = BeneficiaryFactory(last_name="Ver\x0bheyen", first_names="Ana\x1f", office=namur)
    client = login_client(caseworker)
    sheet = _sheet(_export(client, "dossiers", "xlsx"))
    assert [r[1:3] for r in sheet.iter_rows(min_row=2, values_only=True)] == [("Verheyen", "Ana")]
    rows = _csv(_export(client, "dossiers", "csv"))
    assert rows[1][0] == odd.file_number and rows[1][1] == "Verheyen"
    assert Export.objects.filter(status=Export.Status.DOWNLOADED).count() == 2


def test_the_watch_requeues_waiting_exports_and_fails_those_a_dead_worker_left(
    caseworker: User, files: dict[str, Beneficiary], django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    waiting = Export.objects.create(
        source="dossiers",
        label="Dossiers",
        format="csv",
        query="{}",
        requested_by=caseworker,
        requested_at=now - timedelta(minutes=5),
    )
    fresh = Export.objects.create(
        source="dossiers", label="Dossiers", format="csv", query="{}", requested_by=caseworker
    )
    dead = Export.objects.create(
        source="dossiers",
        label="Dossiers",
        format="csv",
        query="{}",
        status=Export.Status.RUNNING,
        requested_by=caseworker,
        requested_at=now - timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.exports_watch(now) == {"requeued": 1, "failed": 1}
    waiting.refresh_from_db()
    fresh.refresh_from_db()
    dead.refresh_from_db()
    assert waiting.status == Export.Status.READY and waiting.rows == 2  # built (in process)
    assert fresh.status == Export.Status.QUEUED  # its own task is still on its way
    assert dead.status == Export.Status.FAILED and dead.query == ""
    assert "Exportez la liste à nouveau" in dead.error


def test_a_refused_filter_is_named_in_the_log(
    caseworker: User, login_client: Callable[[User], Client], files: dict[str, Beneficiary]
) -> None:
    _export(login_client(caseworker), "dossiers", "csv", office="999999", q="Haddad")
    logged = Export.objects.get().filters
    assert ["Rechercher", "recherche par nom ou numéro"] in logged
    assert ["Filtres ignorés (valeur refusée)", "Bureau"] in logged
