"""Issue 6's journey: a caseworker orients a person to an offer, the operator enters the
hours through its link, the person's citizenship axis shows the new total and completes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from beneficiaries.models import Commune
from cainamur.models import User
from operators import services
from operators.models import Offer, Operator
from parcours.services import hours_record
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, complete_path, obliged_file


@pytest.mark.django_db(transaction=True)
def test_orientation_then_hours_from_the_operator(
    page: Any, browser: Any, live_server: Any, caseworker: User, coordinator: User
) -> None:
    from playwright.sync_api import expect

    person = obliged_file(caseworker, last_name="Karimi", first_names="Ahmad")
    parcours = complete_path(person, caseworker)
    axis = parcours.axes.get(kind="citizenship")  # type: ignore[attr-defined]
    hours_record(axis=axis, on=timezone.localdate(), hours=Decimal("-20"), by=caseworker)
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    offer = Offer.objects.create(
        operator=operator, title="Citoyenneté en dari", axis="citizenship", capacity=8, hours=60
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))

    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/")
    page.get_by_test_id("orient").click()
    page.get_by_test_id("propose").click()
    expect(page.get_by_test_id("orientation-status")).to_have_text("proposée")
    page.get_by_role("button", name="Inscrit·e").click()
    expect(page.get_by_test_id("orientation-status")).to_have_text("inscrit·e")
    expect(page.get_by_test_id("axis-total-citizenship")).to_have_text("40")

    _link, token = services.link_create(offer=offer, by=coordinator)
    operator_page = browser.new_context(base_url=live_server.url, locale="fr-BE").new_page()
    operator_page.goto(f"/operateurs/heures/{token}/")
    row = operator_page.get_by_test_id("report-row")
    expect(row).to_contain_text("KARIMI Ahmad")
    row.get_by_label("Heures de KARIMI Ahmad").fill("20")
    operator_page.get_by_label("Du", exact=True).fill(
        (timezone.localdate() - timedelta(days=6)).isoformat()
    )
    operator_page.get_by_role("button", name="Enregistrer les heures").click()
    expect(operator_page.get_by_text("les heures sont enregistrées")).to_be_visible()
    operator_page.context.close()

    page.reload()
    expect(page.get_by_test_id("axis-total-citizenship")).to_have_text("60")
    expect(page.get_by_test_id("axis-citizenship")).to_contain_text("Terminé")
    expect(page.get_by_test_id("orientation-status")).to_have_text("en cours")
    enrolment = page.get_by_test_id("axis-enrolment-citizenship")
    expect(enrolment).to_contain_text("ILI Namur : en cours")
