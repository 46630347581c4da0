"""The coordinator's pages: upload, columns, preview with line numbers, confirmation,
report; other roles are refused, and a list page's queries do not grow with its rows."""

from __future__ import annotations

import random
import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Beneficiary, Commune
from cainamur.models import User
from imports import services
from imports.models import ImportBatch
from tests.imports.conftest import commune_csv, commune_rows, sample


def upload(client: Any, data: bytes, name: str = "inscriptions.csv") -> Any:
    namur = Commune.objects.get(name="Namur")
    return client.post(
        reverse("imports:upload"),
        {"commune": namur.pk, "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def test_a_coordinator_imports_a_list(coordinator: User, login_client: Any) -> None:
    client = login_client(coordinator)
    assert "Imports" in client.get(reverse("imports:batches")).content.decode()
    lines, bad = sample(rows=8, bad=4)
    response = upload(client, commune_csv(lines))
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("imports:columns", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'value="Nom" selected' in page  # guessed from the usual headers
    response = client.post(response["Location"], batch.columns)
    assert response["Location"] == reverse("imports:batch", args=[batch.pk])
    errors = client.get(response["Location"], {"etat": "erreurs"}).content.decode()
    shown = {int(n) for n in re.findall(r'<td class="line-number">(\d+)</td>', errors)}
    assert shown == set(bad)
    assert "Confirmer l'import" in errors and not Beneficiary.objects.exists()
    response = client.post(reverse("imports:confirm", args=[batch.pk]))
    report = client.get(response["Location"]).content.decode()
    assert "4 dossiers créés" in report
    created = Beneficiary.objects.order_by("pk").first()
    assert created is not None
    assert reverse("beneficiaries:detail", args=[created.pk]) in report


def test_a_file_that_is_not_a_table_keeps_the_form(coordinator: User, login_client: Any) -> None:
    client = login_client(coordinator)
    response = upload(client, b"<html><script>alert(1)</script></html>", "liste.csv")
    assert response.status_code == 400
    assert "pas un texte CSV" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_missing_required_column_is_said(coordinator: User, login_client: Any) -> None:
    client = login_client(coordinator)
    upload(client, commune_csv(sample(rows=2, bad=0)[0]))
    batch = ImportBatch.objects.get()
    response = client.post(
        reverse("imports:columns", args=[batch.pk]), {**batch.columns, "birth_date": ""}
    )
    assert response.status_code == 400
    assert "Choisissez la colonne qui contient ce champ." in response.content.decode()


@pytest.mark.parametrize("persona", ["reception", "caseworker", "outsider", "administrator"])
def test_other_roles_are_refused(
    persona: str, personas: dict[str, User], coordinator: User, login_client: Any
) -> None:
    batch = services.commune_upload(
        data=commune_csv(sample(rows=2, bad=0)[0]),
        filename="l.csv",
        commune=Commune.objects.get(name="Namur"),
        by=coordinator,
    )
    client = login_client(personas[persona])
    for name in ("imports:batch", "imports:columns"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 403
    for name in ("imports:confirm", "imports:abandon"):
        assert client.post(reverse(name, args=[batch.pk])).status_code == 403
    assert client.get(reverse("imports:batches")).status_code == 403


def test_anonymous_goes_to_the_login(client: Any, coordinator: User) -> None:
    for url in (reverse("imports:batches"), reverse("imports:upload")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_abandon_writes_nothing_and_deletes_the_file(
    coordinator: User, login_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login_client(coordinator)
    upload(client, commune_csv(sample(rows=2, bad=0)[0]))
    batch = ImportBatch.objects.get()
    storage, name = batch.source.storage, batch.source.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:abandon", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "abandoned" and not storage.exists(name)
    assert not Beneficiary.objects.exists()


def test_the_imports_page_queries_do_not_grow(coordinator: User, login_client: Any) -> None:
    client = login_client(coordinator)
    data = commune_csv(sample(rows=2, bad=0)[0])
    namur = Commune.objects.get(name="Namur")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("imports:batches")).status_code == 200
        return len(queries)

    services.commune_upload(data=data, filename="l.csv", commune=namur, by=coordinator)
    one = count()
    for _i in range(5):
        services.commune_upload(data=data, filename="l.csv", commune=namur, by=coordinator)
    assert count() == one


def _batches(count: int, commune: Commune, by: User) -> None:
    ImportBatch.objects.bulk_create(
        ImportBatch(
            kind=ImportBatch.Kind.COMMUNE,
            commune=commune,
            source=f"imports/2026/liste-{index}.csv",
            filename=f"liste-{index}.csv",
            sha256=f"{index:064d}",
            created_by=by,
        )
        for index in range(count)
    )


def test_the_imports_list_is_paged(coordinator: User, login_client: Any) -> None:
    """51 imports: the 50 newest, then the oldest on page 2; the queries of a full page are
    those of a page of one."""
    client = login_client(coordinator)
    namur = Commune.objects.get(name="Namur")

    def shown(page: str = "") -> tuple[int, str, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("imports:batches"), {"page": page} if page else {})
        assert response.status_code == 200
        html = response.content.decode()
        return html.count('data-testid="import-batch"'), html, len(queries)

    _batches(1, namur, coordinator)
    _rows, _html, one = shown()
    _batches(50, namur, coordinator)
    rows, html, full = shown()
    assert rows == 50 and full == one
    assert "Page 1 sur 2" in html and 'href="?page=2"' in html
    rows, html, _queries = shown("2")
    assert rows == 1 and 'href="?page=1"' in html
    assert shown("abc")[0] == 50  # a tampered page number: the first page, never a 500


@pytest.mark.parametrize("end", ["abandon", "confirm"])
def test_the_column_step_never_undoes_a_confirmation_or_an_abandon(
    end: str, coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Columns sent again while the list is confirmed or abandoned (the page was open): the
    batch stays as it ended, and its report is not rewritten."""
    namur = Commune.objects.get(name="Namur")
    batch = services.commune_upload(
        data=commune_csv(sample(rows=3, bad=0)[0]), filename="l.csv", commune=namur, by=coordinator
    )
    batch = services.commune_columns(batch=batch, columns=batch.columns, by=coordinator)
    stale = ImportBatch.objects.get(pk=batch.pk)  # as read by the column step, before the end
    with django_capture_on_commit_callbacks(execute=end == "confirm"):
        if end == "abandon":
            services.batch_abandon(batch=batch, by=coordinator)
        else:
            services.commune_confirm(batch=batch, by=coordinator)
    ended = ImportBatch.objects.get(pk=batch.pk)
    with pytest.raises(services.ImportRefused, match="déjà été confirmé ou abandonné"):
        services.commune_columns(batch=stale, columns=stale.columns, by=coordinator)
    batch.refresh_from_db()
    assert batch.status == ended.status != ImportBatch.Status.PREVIEW
    assert batch.report == ended.report and batch.created_count == ended.created_count


def test_a_coordinators_uploads_are_throttled(
    coordinator: User, login_client: Any, settings: Any
) -> None:
    settings.CAI_IMPORT_UPLOAD_RATE = "2/h"
    client = login_client(coordinator)
    data = commune_csv(sample(rows=2, bad=0)[0])
    assert [upload(client, data).status_code for _i in range(2)] == [302, 302]
    response = upload(client, data)
    assert response.status_code == 429
    assert "Trop de fichiers déposés en peu de temps" in response.content.decode()
    assert ImportBatch.objects.count() == 2


def test_a_list_too_long_for_one_import_is_refused(coordinator: User, login_client: Any) -> None:
    """Past the lines one request can analyse and confirm before the server's timeout: said
    under the file, nothing kept."""
    client = login_client(coordinator)
    limit = services.COMMUNE_MAX_ROWS
    assert (
        f"Au plus {limit} lignes par import"
        in client.get(reverse("imports:upload")).content.decode()
    )
    lines, _bad = commune_rows(limit + 1, 0, rng=random.Random(3), today=date(2026, 11, 30))
    response = upload(client, commune_csv(lines))
    assert response.status_code == 400
    assert f"Découpez la liste : au plus {limit} lignes par import." in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert upload(client, commune_csv(lines[:limit])).status_code == 302


def test_columns_sent_after_the_file_was_deleted_are_refused(
    coordinator: User, login_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The page of columns still open in another tab after an abandon: a French refusal,
    never a server error."""
    client = login_client(coordinator)
    upload(client, commune_csv(sample(rows=2, bad=0)[0]))
    batch = ImportBatch.objects.get()
    stale = ImportBatch.objects.get(pk=batch.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_abandon(batch=batch, by=coordinator)
    with pytest.raises(services.ImportRefused, match="déjà été confirmé ou abandonné"):
        services.commune_columns(batch=stale, columns=stale.columns, by=coordinator)
    response = client.post(reverse("imports:columns", args=[batch.pk]), batch.columns)
    assert response.status_code == 302  # the batch's page: « abandonné »
