"""Names sort as French readers expect (case and accents ignored), on whichever PostgreSQL
the suite runs (the Debian server or the embedded one, built without ICU), and what looks
names up works as before."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from beneficiaries.models import Beneficiary, Commune
from beneficiaries.selectors import beneficiary_search
from cainamur.lib.name_order import name_sort_key
from cainamur.models import User
from cainamur.roles import Role
from offices.models import Office
from tests.conftest import make_staff
from tests.factories import BeneficiaryFactory

#: (last name, first names) in the order a French reader expects.
FRENCH_ORDER = [
    ("Ça", "Mehmet"),
    ("de Smet", "Lotte"),
    ("dupont", "Anne"),
    ("Dupont", "Éric"),
    ("Eben", "Paul"),
    ("ebert", "Jonas"),
    ("Étienne", "Marie"),
    ("Œuvray", "Luc"),
    ("Zoé", "Ama"),
]


@pytest.fixture
def names(db: None, caseworker: User, namur: Office) -> list[Beneficiary]:
    return [
        BeneficiaryFactory(last_name=last, first_names=first, office=namur, caseworker=caseworker)
        for last, first in reversed(FRENCH_ORDER)
    ]


def listed(page: str) -> list[tuple[str, str]]:
    rows = re.findall(r"<strong>([^<]*)</strong> ([^<]*)</a>", page)
    return [(html.unescape(last), html.unescape(first)) for last, first in rows]


def test_the_file_list_reads_in_french_order(
    names: list[Beneficiary], caseworker: User, login_client: Callable[[User], Client]
) -> None:
    page = login_client(caseworker).get(reverse("beneficiaries:list")).content.decode()
    assert listed(page) == [(last.upper(), first) for last, first in FRENCH_ORDER]


def test_the_database_and_python_agree_on_the_order(names: list[Beneficiary]) -> None:
    in_database = list(Beneficiary.objects.values_list("last_name", "first_names"))
    assert in_database == FRENCH_ORDER
    assert sorted(FRENCH_ORDER, key=lambda n: tuple(map(name_sort_key, n))) == FRENCH_ORDER


def test_lookups_on_names_work_as_before(names: list[Beneficiary]) -> None:
    files = Beneficiary.objects.all()
    assert files.filter(last_name="Étienne").count() == 1
    assert files.filter(last_name="etienne").count() == 0  # exact stays exact
    assert files.filter(last_name__startswith="Du").count() == 1
    assert files.filter(last_name__istartswith="du").count() == 2
    assert files.filter(last_name__icontains="uvr").count() == 1
    assert [b.last_name for b in beneficiary_search(files, "etienne")] == ["Étienne"]
    assert [b.last_name for b in beneficiary_search(files, "oeuvray")] == ["Œuvray"]
    # Duplicated names stay allowed, communes' names stay unique.
    BeneficiaryFactory(last_name="Étienne", first_names="Marie")
    assert files.filter(last_name="Étienne").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Commune.objects.create(name="Namur", arrondissement="Namur", office=Office.objects.first())


def test_staff_and_communes_read_in_french_order(db: None) -> None:
    for username, first, last in [
        ("z", "Zoé", "Zeller"),
        ("e", "élodie", "Étienne"),
        ("v", "Tom", "van Damme"),
        ("d", "Anne", "Dubois"),
    ]:
        make_staff(username, [Role.CASEWORKER], ["namur"], first_name=first, last_name=last)
    staff = [u.last_name for u in User.objects.filter(username__in=["z", "e", "v", "d"])]
    assert staff == ["Dubois", "Étienne", "van Damme", "Zeller"]
    communes = list(Commune.objects.values_list("name", flat=True))
    assert communes.index("Éghezée") < communes.index("Fernelmont")


@pytest.mark.parametrize("scoped", [False, True])
def test_the_file_list_order_is_read_from_an_index(
    names: list[Beneficiary], caseworker: User, coordinator: User, scoped: bool
) -> None:
    """The sort keys are the index's expressions: with 100,000 files the list's first page
    reads 25 index entries, never sorts the table."""
    user = caseworker if scoped else coordinator
    query = Beneficiary.objects.visible_to(user)[:25].query
    sql, params = query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # On a few rows the planner would rightly prefer a sort: forbid it, to see whether
        # an index can serve the order at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan, plan
    # Either name index serves the order (on a few rows the planner may filter the
    # all-offices one by office rather than use the per-office one).
    assert "beneficiary_office_name" in plan or "beneficiary_name_order" in plan, plan
