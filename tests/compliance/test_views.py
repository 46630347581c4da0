"""The coordinators' « Manquements »: list, open, report PDF, sending, outcome; every other
role is refused, and a refused form keeps what was typed."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary
from cainamur.models import User
from compliance.models import NonCompliance


def test_only_coordinators(login_client: Any, personas: dict[str, User], late: Beneficiary) -> None:
    case = NonCompliance.objects.create(
        beneficiary=late,
        kind="presentation",
        breach_on=timezone.localdate(),
        opened_by=personas["coordinator"],
    )
    for key, user in personas.items():
        client = login_client(user)
        expected = 200 if key == "coordinator" else 403
        for url in (
            reverse("compliance:list"),
            reverse("compliance:case", args=[case.pk]),
            reverse("compliance:report", args=[case.pk]),
        ):
            assert client.get(url).status_code == expected, (key, url)
        for url in (
            reverse("compliance:open"),
            reverse("compliance:sent", args=[case.pk]),
            reverse("compliance:outcome", args=[case.pk]),
        ):
            if key != "coordinator":
                assert client.post(url, {"file": late.pk}).status_code == 403, (key, url)


def test_from_the_list_to_the_outcome(
    login_client: Any, coordinator: User, late: Beneficiary
) -> None:
    client = login_client(coordinator)
    page = client.get(reverse("compliance:list"))
    assert f'data-testid="breach-{late.pk}-presentation"' in page.content.decode()
    assert "Pas présenté·e dans le délai" in page.content.decode()
    response = client.post(reverse("compliance:open"), {"file": late.pk, "kind": "presentation"})
    case = NonCompliance.objects.get(beneficiary=late)
    assert response["Location"] == reverse("compliance:case", args=[case.pk])
    page = client.get(response["Location"]).content.decode()
    assert "rapport à préparer" in page and late.file_number in page

    pdf = client.get(reverse("compliance:report", args=[case.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Rapport de manquement" in text and late.file_number in text
    assert "CWASS, art. 152/8" in text

    # Missing proof of sending: refused, what was typed is kept.
    today = timezone.localdate()
    refused = client.post(
        reverse("compliance:sent", args=[case.pk]),
        {"sent_on": f"{today:%Y-%m-%d}", "sent_to": "SPW Namur", "sent_reference": ""},
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Indiquez la preuve" in body and 'value="SPW Namur"' in body
    client.post(
        reverse("compliance:sent", args=[case.pk]),
        {"sent_on": f"{today:%Y-%m-%d}", "sent_to": "SPW Namur", "sent_reference": "RR 42"},
    )
    case.refresh_from_db()
    assert case.sent_reference == "RR 42" and case.report["person"]["file_number"]

    refused = client.post(
        reverse("compliance:outcome", args=[case.pk]),
        {"outcome": "fine", "outcome_on": f"{today:%Y-%m-%d}", "fine_amount": "5000"},
    )
    assert refused.status_code == 400 and "de 100 à 2500" in refused.content.decode()
    assert 'value="5000"' in refused.content.decode()
    client.post(
        reverse("compliance:outcome", args=[case.pk]),
        {"outcome": "fine", "outcome_on": f"{today:%Y-%m-%d}", "fine_amount": "300"},
    )
    case.refresh_from_db()
    assert case.outcome == "fine" and str(case.fine_amount) == "300.00"
    # The file page tells the coordinator, and the home counts what is left to do.
    file_page = client.get(reverse("beneficiaries:detail", args=[late.pk])).content.decode()
    assert 'data-testid="noncompliances"' in file_page and "amende administrative" in file_page


@pytest.mark.parametrize("file", ["abc", "1.5", ""])
def test_a_malformed_file_is_a_404(login_client: Any, coordinator: User, file: str) -> None:
    response = login_client(coordinator).post(
        reverse("compliance:open"), {"file": file, "kind": "presentation"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["unknown", ""])
def test_unknown_kind_is_refused(
    login_client: Any, coordinator: User, late: Beneficiary, kind: str
) -> None:
    response = login_client(coordinator).post(
        reverse("compliance:open"), {"file": late.pk, "kind": kind}, follow=True
    )
    assert "Manquement inconnu" in response.content.decode()
    assert not NonCompliance.objects.exists()


def test_reception_does_not_learn_of_a_force_majeure(
    login_client: Any, reception: User, caseworker: User, late: Beneficiary
) -> None:
    from datetime import timedelta

    from django.core.files.base import ContentFile

    from parcours.services import force_majeure_record

    force_majeure_record(
        beneficiary=late,
        start_on=timezone.localdate() - timedelta(days=200),
        end_on=timezone.localdate() - timedelta(days=150),
        reason="Hospitalisation psychiatrique",
        document=ContentFile(b"%PDF-1.4", name="c.pdf"),
        by=caseworker,
    )
    url = reverse("beneficiaries:detail", args=[late.pk])
    seen = login_client(reception).get(url).content.decode()
    assert "Force majeure" not in seen and "force majeure" not in seen.lower()
    assert "Hospitalisation" not in seen
    followed = login_client(caseworker).get(url).content.decode()
    assert 'data-testid="force-majeure"' in followed and "Hospitalisation psychiatrique" in followed


def test_the_list_reads_in_a_fixed_number_of_queries(
    login_client: Any, coordinator: User, caseworker: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.compliance.conftest import months_ago
    from tests.factories import BeneficiaryFactory

    client = login_client(coordinator)

    def late_people(count: int) -> None:
        from parcours.services import obligation_assess, parcours_open

        for _ in range(count):
            person = BeneficiaryFactory(
                first_registration_on=months_ago(30), permit_ordered_on=months_ago(30)
            )
            obligation_assess(beneficiary=person, by=caseworker, trigger="test")
            parcours_open(beneficiary=person, by=caseworker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("compliance:list")).status_code == 200
        return len(captured)

    late_people(2)
    few = queries()
    late_people(6)
    assert queries() == few
    page = client.get(reverse("compliance:list")).content.decode()
    assert page.count('-attestation"') == 8 and page.count('-presentation"') == 8
