from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Beneficiary
from beneficiaries.services import file_numbers_reserve
from cainamur.models import User
from offices.models import Office
from tests.factories import BeneficiaryFactory, UserFactory


@pytest.fixture
def files(namur: Office, dinant: Office, caseworker: User) -> dict[str, Beneficiary]:
    return {
        "namur": BeneficiaryFactory(
            office=namur, last_name="Haddad", first_names="Nour", caseworker=caseworker
        ),
        "dinant": BeneficiaryFactory(office=dinant, last_name="Diallo", first_names="Mamadou"),
    }


def test_visible_to_follows_offices(
    personas: dict[str, User], files: dict[str, Beneficiary]
) -> None:
    def seen(key: str) -> set[str]:
        return {b.last_name for b in Beneficiary.objects.visible_to(personas[key])}

    assert seen("reception") == {"Haddad"}
    assert seen("caseworker") == {"Haddad"}
    assert seen("outsider") == {"Diallo"}
    assert seen("coordinator") == {"Haddad", "Diallo"}
    assert seen("administrator") == {"Haddad", "Diallo"}


def test_inactive_or_roleless_users_see_nothing(
    caseworker: User, files: dict[str, Beneficiary]
) -> None:
    assert Beneficiary.objects.visible_to(caseworker).exists()
    caseworker.is_active = False
    caseworker.__dict__.pop("roles", None)
    assert not Beneficiary.objects.visible_to(caseworker).exists()
    roleless = UserFactory(username="sans.role")
    roleless.offices.set(Office.objects.all())
    assert not Beneficiary.objects.visible_to(roleless).exists()


def test_list_shows_only_the_users_offices(
    login_client: Any, outsider: User, files: dict[str, Beneficiary]
) -> None:
    page = login_client(outsider).get(reverse("beneficiaries:list")).content.decode()
    assert "DIALLO" in page
    assert "HADDAD" not in page


def test_outsider_cannot_filter_their_way_into_another_office(
    login_client: Any, outsider: User, namur: Office, files: dict[str, Beneficiary]
) -> None:
    response = login_client(outsider).get(reverse("beneficiaries:list"), {"office": namur.pk})
    # Namur is not a choice for them: the filter is refused and nothing leaks.
    assert response.status_code == 200
    assert "HADDAD" not in response.content.decode()
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_search_and_empty_state(
    login_client: Any, coordinator: User, files: dict[str, Beneficiary]
) -> None:
    client = login_client(coordinator)
    page = client.post(reverse("beneficiaries:list"), {"q": "hadd"}).content.decode()
    assert "HADDAD" in page and "DIALLO" not in page
    page = client.post(
        reverse("beneficiaries:list"), {"q": files["dinant"].file_number}
    ).content.decode()
    assert "DIALLO" in page and "HADDAD" not in page
    page = client.post(reverse("beneficiaries:list"), {"q": "personne"}).content.decode()
    assert "Aucun dossier ne correspond à ces critères." in page


def test_names_are_never_taken_from_the_url(
    login_client: Any, coordinator: User, files: dict[str, Beneficiary]
) -> None:
    # A search by GET is ignored: names must not travel in URLs (logs, history, Referer).
    page = login_client(coordinator).get(reverse("beneficiaries:list"), {"q": "hadd"})
    assert "HADDAD" in page.content.decode() and "DIALLO" in page.content.decode()
    # Ids are fine in links, e.g. "the files of this office".
    dinant = files["dinant"].office
    page = login_client(coordinator).get(reverse("beneficiaries:list"), {"office": dinant.pk})
    assert "DIALLO" in page.content.decode() and "HADDAD" not in page.content.decode()


def test_pagination(login_client: Any, coordinator: User, namur: Office) -> None:
    BeneficiaryFactory.create_batch(30, office=namur)
    client = login_client(coordinator)
    first = client.get(reverse("beneficiaries:list")).content.decode()
    assert "Page 1 sur 2" in first
    second = client.post(reverse("beneficiaries:list"), {"page": 2, "q": ""})
    assert second.status_code == 200 and "Page 2 sur 2" in second.content.decode()


@pytest.mark.parametrize(
    "url_name", ["beneficiaries:list", "home-caseworker", "home-reception", "home-coordinator"]
)
def test_list_pages_have_a_fixed_query_count(
    login_client: Any, personas: dict[str, User], namur: Office, url_name: str
) -> None:
    user = {
        "beneficiaries:list": "coordinator",
        "home-caseworker": "caseworker",
        "home-reception": "reception",
        "home-coordinator": "coordinator",
    }[url_name]
    client = login_client(personas[user])
    caseworker = personas["caseworker"]

    def count() -> int:
        cache.clear()  # the coordinator's figures counted again too (kept ten minutes)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name)).status_code == 200
        return len(queries)

    BeneficiaryFactory(office=namur, caseworker=caseworker)
    with_one = count()
    BeneficiaryFactory.create_batch(49, office=namur, caseworker=caseworker)
    assert count() == with_one


def test_file_numbers_are_consecutive_and_never_reused(db: None) -> None:
    first = file_numbers_reserve(year=2031, count=3)
    assert first == ["CAI-2031-00001", "CAI-2031-00002", "CAI-2031-00003"]
    assert file_numbers_reserve(year=2031) == ["CAI-2031-00004"]
    assert file_numbers_reserve(year=2032) == ["CAI-2032-00001"]


def test_htmx_request_gets_only_the_results(
    login_client: Any, coordinator: User, files: dict[str, Beneficiary]
) -> None:
    response = login_client(coordinator).post(
        reverse("beneficiaries:list"), {"q": "diallo"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="card">')
    assert "DIALLO" in body and "<html" not in body


def test_a_search_counts_its_matches_and_pages_them_with_the_same_queries(
    login_client: Any, coordinator: User, namur: Office
) -> None:
    """A search reads every match to rank it: the count comes with the ranking (the
    search runs once), the same queries for one match or thirty."""
    client = login_client(coordinator)

    def search(page: int = 1) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("beneficiaries:list"), {"q": "lambotte", "page": page})
        assert response.status_code == 200
        return len(queries), response.content.decode()

    BeneficiaryFactory(office=namur, last_name="Lambotte", first_names="Aline")
    one, page = search()
    assert "1 dossier" in page and "LAMBOTTE</strong> Aline" in page
    for n in range(29):
        BeneficiaryFactory(office=namur, last_name="Lambotte", first_names=f"Prénom{n:02d}")
    thirty, page = search()
    assert thirty == one
    assert "30 dossiers" in page and "Page 1 sur 2" in page
    assert page.index("LAMBOTTE</strong> Aline") < page.index(
        "LAMBOTTE</strong> Prénom00"
    )  # name order
    _queries, second = search(page=2)
    assert "Page 2 sur 2" in second and "LAMBOTTE</strong> Prénom28" in second
    assert "LAMBOTTE</strong> Aline" not in second


def test_the_admin_file_list_names_the_nationality(
    login_client: Any, administrator: User, namur: Office
) -> None:
    BeneficiaryFactory(office=namur, last_name="Kowalska", nationality="UA")
    page = login_client(administrator).get(reverse("admin:beneficiaries_beneficiary_changelist"))
    assert page.status_code == 200
    assert "Ukraine" in page.content.decode()
