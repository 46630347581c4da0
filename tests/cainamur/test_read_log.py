"""The read log (issue 13): each kind of read is recorded (file page, document, register
number, search, export), refused edits, coordinators' views, alerts, never breaking a page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import InternalError, transaction
from django.urls import reverse

from cainamur.models import ReadAlert, ReadEvent, User
from tests.factories import BeneficiaryFactory

NRN = "85073003328"


def test_each_kind_of_read_is_recorded(
    login_client: Any, caseworker: User, coordinator: User
) -> None:
    person = BeneficiaryFactory(last_name="Haddad", national_number=NRN)
    client = login_client(caseworker)
    client.get(reverse("beneficiaries:detail", args=[person.pk]), REMOTE_ADDR="10.1.2.3")
    client.get(reverse("beneficiaries:national-number", args=[person.pk]))
    client.post(reverse("beneficiaries:list"), {"q": "Haddad"})
    kinds = list(ReadEvent.objects.order_by("id").values_list("kind", "beneficiary_id", "ip"))
    assert kinds[0] == ("file", person.pk, "10.1.2.3")
    assert kinds[1][:2] == ("number", person.pk)
    search = ReadEvent.objects.get(kind="search")
    assert search.files == [person.pk] and search.beneficiary_id is None
    assert "Haddad" not in search.what  # which files, never what was typed
    # The coordinator reads it on the file page and in the log, per file and per person.
    coordination = login_client(coordinator)
    page = coordination.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert 'data-testid="file-reads"' in page and "Numéro national affiché" in page
    log = coordination.get(reverse("read-log"), {"dossier": person.file_number}).content.decode()
    assert log.count('<li class="list-group-item d-flex') >= 4
    mine = coordination.get(reverse("read-log"), {"personne": caseworker.username})
    assert "Recherche" in mine.content.decode()
    # Only coordinators read the log.
    assert (
        'data-testid="file-reads"'
        not in (
            login_client(caseworker).get(reverse("beneficiaries:detail", args=[person.pk]))
        ).content.decode()
    )


def test_the_log_refuses_edits_and_deletions(login_client: Any, caseworker: User) -> None:
    person = BeneficiaryFactory()
    login_client(caseworker).get(reverse("beneficiaries:detail", args=[person.pk]))
    with pytest.raises(InternalError, match="read_log_append_only"), transaction.atomic():
        ReadEvent.objects.update(what="effacé")
    with pytest.raises(InternalError, match="read_log_append_only"), transaction.atomic():
        ReadEvent.objects.all().delete()


def test_too_many_files_in_an_hour_alerts_the_coordinators(
    login_client: Any,
    caseworker: User,
    coordinator: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CAI_READ_ALERT_PER_HOUR = 3
    coordinator.email = "coordination@cainamur.test"
    coordinator.save()
    client = login_client(caseworker)
    people = BeneficiaryFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            client.get(reverse("beneficiaries:detail", args=[person.pk]))
    alert = ReadAlert.objects.get()
    assert alert.kind == "volume" and alert.actor == caseworker and alert.count == 4
    assert [m.to for m in mail.outbox] == [["coordination@cainamur.test"]]
    assert caseworker.username in mail.outbox[0].body
    home = login_client(coordinator).get(reverse("home-coordinator")).content.decode()
    assert 'data-testid="read-alerts-home"' in home


def test_an_all_offices_account_outside_its_offices_alerts(
    login_client: Any, coordinator: User
) -> None:
    from offices.models import Office

    coordinator.offices.set(Office.objects.filter(code="dinant"))
    namur_file = BeneficiaryFactory()  # Namur
    login_client(User.objects.get(pk=coordinator.pk)).get(
        reverse("beneficiaries:detail", args=[namur_file.pk])
    )
    assert ReadAlert.objects.filter(kind="outside", actor=coordinator).count() == 1


def test_a_failing_log_never_breaks_the_page(
    login_client: Any, caseworker: User, monkeypatch: Any
) -> None:
    """Mocked: a database refusing the insert (a real outage cannot be staged here)."""
    from django.db import DatabaseError

    from cainamur import reads

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise DatabaseError("read log table unavailable")

    monkeypatch.setattr(ReadEvent.objects, "create", refuse)
    person = BeneficiaryFactory()
    response = login_client(caseworker).get(reverse("beneficiaries:detail", args=[person.pk]))
    assert response.status_code == 200
    assert reads.failures() == 1
    assert login_client(caseworker).get(reverse("health")).json()["read_log_failures"] == 1
