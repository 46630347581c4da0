"""The activity report: asked for from the dashboard with its period and filters, built
by a task (progress shown), kept with its parameters; a PDF and a workbook with a sheet
per table, small counts shown « < 5 »."""

from __future__ import annotations

import io
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from cainamur.models import User
from reporting import services
from reporting.forms import PilotageForm
from reporting.models import ActivityReport
from tests.reporting.conftest import World

YEAR_2026 = {"periode": "annee", "annee": "2026"}


def ask(client: Any, capture: Any, **params: str) -> ActivityReport:
    with capture(execute=True):  # the task runs after commit, here in the test's process
        response = client.post(reverse("reporting:reports"), {**YEAR_2026, **params})
    assert response.status_code == 302 and response["Location"] == reverse("reporting:reports")
    return ActivityReport.objects.latest("requested_at")


def test_a_coordinator_asks_for_the_report_and_downloads_both_files(
    world: World, login_client: Any, coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = login_client(coordinator)
    dashboard = client.get(reverse("reporting:dashboard"), YEAR_2026).content.decode()
    assert "Générer le rapport (PDF et XLSX)" in dashboard
    report = ask(client, django_capture_on_commit_callbacks, sexe="F")
    assert report.status == "ready" and report.progress == 100 and report.seconds is not None
    assert report.period_label == "Année 2026"
    assert "tous les bureaux" in report.scope_label and "Sexe : Femme" in report.scope_label
    assert ["sexe", "F"] in report.parameters and report.small_cell == 5

    page = client.get(reverse("reporting:reports")).content.decode()
    assert "Année 2026" in page and "Sexe : Femme" in page
    workbook_url = reverse("reporting:report-file", args=[report.pk, "xlsx"])
    pdf_url = reverse("reporting:report-file", args=[report.pk, "pdf"])
    assert workbook_url in page and pdf_url in page

    response = client.get(workbook_url)
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[0] == "Résumé"
    assert {"Par mois", "Par commune de résidence", "Rendez-vous par type"} <= set(book.sheetnames)
    summary = {row[0]: row[1] for row in book["Résumé"].iter_rows(values_only=True)}
    assert summary["Période"] == "Année 2026"
    values = [
        cell
        for sheet in book.worksheets[1:]
        for row in sheet.iter_rows(min_row=3, values_only=True)
        for cell in row[1:]
    ]
    assert "< 5" in values  # the women received in a month, a commune…
    assert not any(isinstance(v, int) and 0 < v < 5 for v in values)

    response = client.get(pdf_url)
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF") and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Rapport d'activité" in text and "Année 2026" in text and "< 5" in text


def test_the_reports_page_shows_progress_until_the_report_is_ready(
    login_client: Any, coordinator: User, db: None
) -> None:
    form = PilotageForm(
        QueryDict("periode=annee&annee=2026"), user=coordinator, today=timezone.localdate()
    )
    assert form.is_valid()
    report = services.report_request(
        scope=form.scope(), parameters=form.query(), scope_label="tous", by=coordinator
    )  # queued: no task ran (the test's transaction never commits)
    client = login_client(coordinator)
    page = client.get(reverse("reporting:reports")).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'role="progressbar"' in page
    line = client.get(reverse("reporting:report-state", args=[report.pk])).content.decode()
    assert "en attente" in line
    assert client.get(reverse("reporting:report-file", args=[report.pk, "pdf"])).status_code == 404
    assert services.report_build(report.pk) is True
    assert services.report_build(report.pk) is False  # twice: built once
    line = client.get(reverse("reporting:report-state", args=[report.pk])).content.decode()
    assert "every 2s" not in line and "Classeur XLSX" in line
    assert client.get(reverse("reporting:report-file", args=[report.pk, "docx"])).status_code == 404


def test_only_coordinators_ask_for_and_read_reports(
    login_client: Any, caseworker: User, coordinator: User, db: None
) -> None:
    client = login_client(caseworker)
    assert client.post(reverse("reporting:reports"), YEAR_2026).status_code == 403
    assert client.get(reverse("reporting:reports")).status_code == 403
    assert "Générer le rapport" not in client.get(reverse("reporting:dashboard")).content.decode()
    assert not ActivityReport.objects.exists()
    # A wrong period sent to the form is refused with a message, nothing queued.
    response = login_client(coordinator).post(
        reverse("reporting:reports"), {"periode": "dates", "du": "2026-02-01"}
    )
    assert response.status_code == 302 and not ActivityReport.objects.exists()
