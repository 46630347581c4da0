"""An operator's attendance sheet, sent through its reporting link: read with the link's own
rules (each bad line with its number and the link's French reason), previewed without
writing, confirmed once (the same sheet again records nothing), refused on a revoked or
expired link; the template lists exactly the people of the link's page."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from beneficiaries.models import Commune
from cainamur.models import AuditEvent, User
from imports import services
from imports.models import ImportBatch
from operators import services as operator_services
from operators.models import CreditedPeriod, Offer, Operator, ReportingLink, ReportSubmission
from parcours.models import HoursEntry
from parcours.services import hours_record
from tests.factories import complete_path, obliged_file

HEADERS = ["Dossier", "Nom", "Du", "Au (inclus)", "Heures"]


def sheet(rows: list[list[object]], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _enrolled(offer: Offer, by: User, last_name: str, first_names: str) -> Any:
    person = obliged_file(by, last_name=last_name, first_names=first_names)
    parcours: Any = complete_path(person, by)
    axis = parcours.axes.get(kind="citizenship")
    hours_record(axis=axis, on=timezone.localdate(), hours=Decimal("-40"), by=by)
    orientation = operator_services.orientation_propose(beneficiary=person, offer=offer, by=by)
    operator_services.orientation_move(orientation=orientation, to="enrolled", by=by)
    return person


@pytest.fixture
def setting(caseworker: User, coordinator: User) -> dict[str, Any]:
    """Three people enrolled in a citizenship offer that started two months ago, its link,
    and a person enrolled in another offer of the same operator."""
    today = timezone.localdate()
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator,
        title="Citoyenneté",
        axis="citizenship",
        capacity=10,
        hours=60,
        start_on=today - timedelta(days=60),
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    other = Offer.objects.create(
        operator=operator, title="Autre groupe", axis="citizenship", capacity=10, hours=60
    )
    people = [
        _enrolled(offer, caseworker, "Karimi", "Ahmad"),
        _enrolled(offer, caseworker, "Bah", "Mariama"),
        _enrolled(offer, caseworker, "Haddad", "Omar"),
    ]
    elsewhere = _enrolled(other, caseworker, "Nguyen", "Lan")
    link, token = operator_services.link_create(offer=offer, by=coordinator)
    return {
        "offer": offer,
        "people": people,
        "elsewhere": elsewhere,
        "link": link,
        "token": token,
        "today": today,
    }


def upload(client: Any, token: str, data: bytes, name: str = "presences.xlsx") -> Any:
    return client.post(
        reverse("imports:attendance-upload", args=[token]),
        {"file": SimpleUploadedFile(name, data, "application/octet-stream")},
    )


def good_rows(setting: dict[str, Any]) -> list[list[object]]:
    karimi, bah, _haddad = setting["people"]
    today = setting["today"]
    start, end = today - timedelta(days=13), today - timedelta(days=7)
    return [
        [karimi.file_number, "KARIMI Ahmad", start, end, 10],
        [bah.file_number, "BAH Mariama", start, end, "12,5"],
        # A second period for Karimi, typed as text.
        [karimi.file_number, "", f"{today - timedelta(days=6):%d/%m/%Y}", f"{today:%d/%m/%Y}", 8],
    ]


def operator_hours() -> list[Decimal]:
    return sorted(HoursEntry.objects.filter(source="operator").values_list("hours", flat=True))


def test_a_good_sheet_is_recorded_with_the_links_rules(
    setting: dict[str, Any], client: Any
) -> None:
    response = upload(client, setting["token"], sheet(good_rows(setting)))
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse(
        "imports:attendance-sheet", args=[setting["token"], batch.pk]
    )
    assert batch.kind == "attendance" and batch.link == setting["link"]
    assert (batch.new_count, batch.existing_count, batch.error_count) == (3, 0, 0)
    preview = client.get(response["Location"]).content.decode()
    assert "Confirmer et enregistrer les heures" in preview and "heures à enregistrer" in preview
    # The preview wrote nothing: no hours, no submission, no orientation moved.
    assert not ReportSubmission.objects.exists() and operator_hours() == []
    assert set(
        Operator.objects.get()
        .offers.get(title="Citoyenneté")
        .orientations.values_list("status", flat=True)
    ) == {"enrolled"}

    response = client.post(
        reverse("imports:attendance-confirm", args=[setting["token"], batch.pk]), follow=True
    )
    page = response.content.decode()
    assert "3 lignes d&#x27;heures enregistrées" in page or "3 lignes d'heures enregistrées" in page
    assert "heures enregistrées" in page
    assert operator_hours() == [Decimal("8"), Decimal("10"), Decimal("12.5")]
    # The link's own records: one submission per period, the source « opérateur », the
    # person now « en cours », as a submission through the link's form does.
    assert ReportSubmission.objects.count() == 2
    assert set(ReportSubmission.objects.values_list("ip", flat=True)) == {"127.0.0.1"}
    karimi = setting["people"][0]
    assert karimi.orientations.get().status == "in_progress"
    batch.refresh_from_db()
    assert batch.status == "done" and batch.created_count == 3
    audit = AuditEvent.objects.filter(action__startswith="imports.attendance").order_by("pk")
    assert [event.action for event in audit] == [
        "imports.attendance_upload",
        "imports.attendance_confirm",
    ]
    assert all(event.actor is None and event.object_id == batch.pk for event in audit)
    assert len(audit[1].data["submissions"]) == 2


def test_each_bad_line_has_its_number_and_the_links_reason(
    setting: dict[str, Any], client: Any
) -> None:
    karimi, bah, haddad = setting["people"]
    today = setting["today"]
    week = (today - timedelta(days=13), today - timedelta(days=7))
    rows: list[list[object]] = [
        [karimi.file_number, "", *week, 10],  # 2: good
        [haddad.file_number, "", today - timedelta(days=2), today + timedelta(days=3), 5],  # 3
        ["2026-99999", "Inconnu", *week, 5],  # 4
        [bah.file_number, "", today - timedelta(days=1), today - timedelta(days=1), 14],  # 5
        [bah.file_number, "", "31/02/2026", today, 3],  # 6
        [haddad.file_number, "", *week, "beaucoup"],  # 7
        [karimi.file_number, "", today - timedelta(days=90), today - timedelta(days=80), 5],  # 8
        [bah.file_number, "", *week, "2,555"],  # 9
        [haddad.file_number, "", *week, None],  # 10: no hours, left out
        [setting["elsewhere"].file_number, "", *week, 4],  # 11: another offer's person
        [karimi.file_number, "", *week, 10],  # 12: the same as line 2
        [haddad.file_number, "", *week, 30],  # 13: over 10 h a day? no: 7 days; over the offer
        [bah.file_number, "", today - timedelta(days=30), today - timedelta(days=28), -2],  # 14
    ]
    upload(client, setting["token"], sheet(rows))
    batch = ImportBatch.objects.get()
    by_line = {row["line"]: row for row in batch.rows()}
    assert 10 not in by_line and services.attendance_blank_lines(batch) == 1
    assert by_line[2]["status"] == "ok"
    expected = {
        3: "La période ne peut pas se terminer dans le futur.",
        4: "Le dossier « 2026-99999 » n'est pas inscrit à cette offre.",
        5: "Plus de 10 heures par jour : une ligne compte les heures d'une journée.",
        6: "Date « Du » illisible ou manquante : attendu jj/mm/aaaa.",
        7: "Indiquez un nombre d'heures (ex. 3 ou 2,5).",
        8: "La période doit tomber dans les dates de la formation",
        9: "Deux décimales au plus",
        11: "n'est pas inscrit à cette offre.",
        12: "Même personne et même période qu'à la ligne 2.",
        14: "Les heures ne peuvent pas être négatives.",
    }
    for line, reason in expected.items():
        assert by_line[line]["status"] == "error", (line, by_line[line])
        assert reason in by_line[line]["reason"], (line, by_line[line]["reason"])
    # Line 13 passes the sheet's checks; the link's service accepts 30 hours in 7 days.
    assert by_line[13]["status"] == "ok"
    assert batch.error_count == len(expected) and batch.new_count == 2
    page = client.get(
        reverse("imports:attendance-sheet", args=[setting["token"], batch.pk]), {"etat": "erreurs"}
    ).content.decode()
    for line in expected:
        assert f'<td class="line-number">{line}</td>' in page
    assert "n&#x27;est pas inscrit à cette offre" in page
    assert not ReportSubmission.objects.exists()

    client.post(reverse("imports:attendance-confirm", args=[setting["token"], batch.pk]))
    # The good lines only, in one submission for their period.
    assert operator_hours() == [Decimal("10"), Decimal("30")]
    assert ReportSubmission.objects.count() == 1


def test_the_offers_hours_and_an_overlap_are_the_links_refusals(
    setting: dict[str, Any], client: Any
) -> None:
    karimi, bah, _haddad = setting["people"]
    today = setting["today"]
    rows: list[list[object]] = [
        [karimi.file_number, "", today - timedelta(days=20), today - timedelta(days=14), 40],
        [karimi.file_number, "", today - timedelta(days=13), today - timedelta(days=7), 30],
        [bah.file_number, "", today - timedelta(days=20), today - timedelta(days=14), 5],
        [bah.file_number, "", today - timedelta(days=16), today - timedelta(days=10), 5],
    ]
    upload(client, setting["token"], sheet(rows))
    by_line = {row["line"]: row for row in ImportBatch.objects.get().rows()}
    assert by_line[2]["status"] == "ok" and by_line[4]["status"] == "ok"
    # 40 + 30 is more than the offer's 60 hours; Bah's second period overlaps the first.
    assert "plus que les 60 heures de la formation" in by_line[3]["reason"]
    assert "des heures sont déjà déclarées pour la période" in by_line[5]["reason"]


def test_the_same_sheet_confirmed_twice_records_once(setting: dict[str, Any], client: Any) -> None:
    data = sheet(good_rows(setting))
    upload(client, setting["token"], data)
    first = ImportBatch.objects.get()
    client.post(reverse("imports:attendance-confirm", args=[setting["token"], first.pk]))
    # Confirming the same batch again is refused; nothing more is written.
    response = client.post(
        reverse("imports:attendance-confirm", args=[setting["token"], first.pk]), follow=True
    )
    assert "déjà été confirmée" in response.content.decode()
    upload(client, setting["token"], data)
    second = ImportBatch.objects.exclude(pk=first.pk).get()
    assert (second.new_count, second.existing_count, second.error_count) == (0, 3, 0)
    page = client.get(
        reverse("imports:attendance-sheet", args=[setting["token"], second.pk])
    ).content.decode()
    assert "déjà enregistré" in page and "Confirmer et enregistrer" not in page
    services.attendance_confirm(batch=second, ip="127.0.0.1")
    assert operator_hours() == [Decimal("8"), Decimal("10"), Decimal("12.5")]
    assert ReportSubmission.objects.count() == 2 and CreditedPeriod.objects.count() == 3


def test_abandon_writes_nothing(setting: dict[str, Any], client: Any) -> None:
    upload(client, setting["token"], sheet(good_rows(setting)))
    batch = ImportBatch.objects.get()
    response = client.post(reverse("imports:attendance-abandon", args=[setting["token"], batch.pk]))
    assert response["Location"] == reverse("imports:attendance-upload", args=[setting["token"]])
    batch.refresh_from_db()
    assert batch.status == "abandoned" and operator_hours() == []
    assert (
        client.post(
            reverse("imports:attendance-confirm", args=[setting["token"], batch.pk])
        ).status_code
        == 302
    )
    assert operator_hours() == []


def test_revoked_expired_and_foreign_links_are_refused(
    setting: dict[str, Any], coordinator: User, client: Any
) -> None:
    token, link = setting["token"], setting["link"]
    upload(client, token, sheet(good_rows(setting)))
    batch = ImportBatch.objects.get()
    urls = [
        reverse("imports:attendance-upload", args=[token]),
        reverse("imports:attendance-template", args=[token]),
        reverse("imports:attendance-sheet", args=[token, batch.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    # Another offer's link does not see this sheet.
    _other, other_token = operator_services.link_create(
        offer=Offer.objects.get(title="Autre groupe"), by=coordinator
    )
    assert (
        client.get(reverse("imports:attendance-sheet", args=[other_token, batch.pk])).status_code
        == 404
    )
    assert (
        client.post(reverse("imports:attendance-confirm", args=[other_token, batch.pk])).status_code
        == 404
    )
    # Revoked, then expired: refused as the link's own page refuses it, in French.
    ReportingLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    for url in urls:
        refused = client.get(url)
        assert refused.status_code == 403 and "plus valable" in refused.content.decode()
    assert (
        client.post(reverse("imports:attendance-confirm", args=[token, batch.pk])).status_code
        == 403
    )
    assert upload(client, token, sheet(good_rows(setting))).status_code == 403
    ReportingLink.objects.filter(pk=link.pk).update(
        revoked_at=None, expires_at=timezone.now() - timedelta(days=1)
    )
    assert client.get(urls[0]).status_code == 403
    assert (
        client.get(reverse("imports:attendance-upload", args=["nimporte-quoi"])).status_code == 403
    )
    assert operator_hours() == [] and ImportBatch.objects.count() == 1


def test_the_template_lists_exactly_the_links_people(
    setting: dict[str, Any], client: Any, caseworker: User
) -> None:
    # Someone who left the offer is not on the link's page, nor in the template.
    haddad = setting["people"][2]
    operator_services.orientation_move(
        orientation=haddad.orientations.get(), to="dropped", by=caseworker, reason="Parti"
    )
    link_page = client.get(reverse("operators:report", args=[setting["token"]])).content.decode()
    assert "Importer une feuille de présence (XLSX)" in link_page
    response = client.get(reverse("imports:attendance-template", args=[setting["token"]]))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    listed = {(row[0], row[1]) for row in rows[1:]}
    people = operator_services.reportable(setting["link"])
    assert listed == {(o.beneficiary.file_number, o.beneficiary.full_name) for o in people}
    assert len(listed) == 2
    for number, name in listed:
        assert number in link_page and name in link_page
    assert haddad.file_number not in {row[0] for row in rows}
    # Filled in and sent back as is, it is read (the columns are ours).
    ws = workbook.worksheets[0]
    today = setting["today"]
    ws["C2"], ws["D2"], ws["E2"] = today - timedelta(days=3), today, 6
    out = io.BytesIO()
    workbook.save(out)
    upload(client, setting["token"], out.getvalue())
    batch = ImportBatch.objects.get()
    assert (batch.new_count, batch.error_count) == (1, 0)
    assert services.attendance_blank_lines(batch) == 1


def test_a_sheet_without_our_columns_or_not_a_sheet_keeps_the_form(
    setting: dict[str, Any], client: Any
) -> None:
    response = upload(client, setting["token"], sheet([["x", "y"]], ["Nom", "Heures"]))
    assert response.status_code == 400
    assert "La colonne « Dossier » manque" in response.content.decode()
    response = upload(client, setting["token"], b"<html></html>", "presences.xlsx")
    assert response.status_code == 400
    assert "pas un classeur XLSX lisible" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_headers_are_matched_without_accents_or_case(setting: dict[str, Any], client: Any) -> None:
    karimi = setting["people"][0]
    today = setting["today"]
    data = sheet(
        [[karimi.file_number, today - timedelta(days=2), today, 4]],
        ["N° de dossier", "DÉBUT", "au", "heures suivies"],
    )
    upload(client, setting["token"], data)
    assert ImportBatch.objects.get().new_count == 1


def test_coordinators_see_the_sheet_in_the_imports(
    setting: dict[str, Any], client: Any, coordinator: User, login_client: Any
) -> None:
    upload(client, setting["token"], sheet(good_rows(setting)))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:attendance-confirm", args=[setting["token"], batch.pk]))
    staff = login_client(coordinator)
    listing = staff.get(reverse("imports:batches")).content.decode()
    assert "ILI Namur · Citoyenneté" in listing and "Feuille de présence" in listing
    report = staff.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "Confirmée par l&#x27;opérateur" in report or "Confirmée par l'opérateur" in report
    assert "KARIMI Ahmad" in report and "heures enregistrées" in report
    # Coordinators read the report; they neither confirm nor abandon an operator's sheet.
    assert staff.post(reverse("imports:confirm", args=[batch.pk])).status_code == 404


def test_the_imports_page_queries_do_not_grow_with_sheets(
    setting: dict[str, Any], client: Any, coordinator: User, login_client: Any
) -> None:
    staff = login_client(coordinator)
    data = sheet(good_rows(setting))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(reverse("imports:batches")).status_code == 200
        return len(queries)

    services.attendance_upload(data=data, filename="f.xlsx", link=setting["link"], ip="10.0.0.1")
    one = count()
    for _i in range(4):
        services.attendance_upload(
            data=data, filename="f.xlsx", link=setting["link"], ip="10.0.0.1"
        )
    assert count() == one


def test_a_date_cell_and_typed_dates_agree(setting: dict[str, Any]) -> None:
    karimi = setting["people"][0]
    day = setting["today"] - timedelta(days=1)
    rows: list[list[object]] = [
        [karimi.file_number, "", day, day, 2],
        [karimi.file_number, "", f"{day:%d/%m/%Y}", day.isoformat(), 2],
    ]
    batch = services.attendance_upload(
        data=sheet(rows), filename="f.xlsx", link=setting["link"], ip="10.0.0.1"
    )
    by_line = {row["line"]: row for row in batch.rows()}
    assert by_line[2]["period_start"] == by_line[3]["period_start"] == day.isoformat()
    assert "Même personne et même période qu'à la ligne 2." in by_line[3]["reason"]
    assert isinstance(day, date)


def test_the_operators_pages_are_never_stored(setting: dict[str, Any], client: Any) -> None:
    """Names and hours, shown without a login: ``no-store`` on each page of the link (its
    own report page too), so that no shared or browser cache keeps a copy."""
    token = setting["token"]
    upload(client, token, sheet(good_rows(setting)))
    batch = ImportBatch.objects.get()
    urls = [
        reverse("operators:report", args=[token]),
        reverse("imports:attendance-upload", args=[token]),
        reverse("imports:attendance-template", args=[token]),
        reverse("imports:attendance-sheet", args=[token, batch.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    refused = upload(client, token, b"<html></html>", "presences.csv")  # the form again
    assert refused.status_code == 400 and "no-store" in refused["Cache-Control"]
    posted = client.post(reverse("operators:report", args=[token]), {"period_start": "x"})
    assert posted.status_code == 400 and "no-store" in posted["Cache-Control"]


def test_an_operators_uploads_are_throttled_per_link_and_per_address(
    setting: dict[str, Any], coordinator: User, client: Any, settings: Any
) -> None:
    settings.CAI_IMPORT_LINK_RATE = "2/h"
    settings.CAI_IMPORT_IP_RATE = "3/h"
    token, data = setting["token"], sheet(good_rows(setting))
    assert [upload(client, token, data).status_code for _i in range(2)] == [302, 302]
    response = upload(client, token, data)
    assert response.status_code == 429
    assert "Trop de fichiers déposés en peu de temps" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Another link, from the same address: refused too (the address's limit is reached).
    _other, other_token = operator_services.link_create(
        offer=Offer.objects.get(title="Autre groupe"), by=coordinator
    )
    assert upload(client, other_token, sheet([])).status_code == 429
    assert ImportBatch.objects.count() == 2
