"""The coordinator's pages: upload, columns, preview with line numbers, confirmation,
report; other roles are refused, and a list page's queries do not grow with its rows."""

from __future__ import annotations

import re
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
from tests.imports.conftest import commune_csv, sample


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
