"""The screens: the selection on the file list, the choices, the confirmation, the
result; roles and scope (a file outside the user's offices is a 404, never acted on)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from bulk import services
from bulk.models import BulkAction, BulkItem
from cainamur.models import User
from offices.models import Office
from outbox.models import Dispatch
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

NEW = reverse("bulk:new")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("reception", 403), ("administrator", 403), ("caseworker", 200), ("coordinator", 200)],
)
def test_roles(login_client: Any, personas: dict[str, User], persona: str, status: int) -> None:
    client = login_client(personas[persona])
    assert client.get(NEW).status_code == status
    assert client.get(reverse("bulk:list")).status_code == status
    assert client.post(NEW, {"kind": "assign", "dossiers": []}).status_code in (status, 400)


def test_the_file_list_offers_the_selection_to_the_roles_that_may_act(
    login_client: Any, personas: dict[str, User], namur: Office
) -> None:
    person = BeneficiaryFactory(office=namur)
    for persona, offered in (("caseworker", True), ("coordinator", True), ("reception", False)):
        page = login_client(personas[persona]).get(reverse("beneficiaries:list")).content.decode()
        assert (f'name="dossiers" value="{person.pk}"' in page) is offered, persona
        assert ("Tout sélectionner sur cette page" in page) is offered
        assert ("Inscrire à une séance de groupe" in page) is offered


def test_the_selection_costs_no_query_per_row(
    login_client: Any, caseworker: User, namur: Office
) -> None:
    client = login_client(caseworker)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("beneficiaries:list"), {"office": namur.pk})
        assert response.status_code == 200
        assert 'form="bulk-form"' in response.content.decode()
        return len(queries)

    BeneficiaryFactory(office=namur)
    one = count()
    BeneficiaryFactory.create_batch(24, office=namur)
    assert count() == one


def test_files_outside_the_users_offices_are_a_404_and_nothing_is_done(
    login_client: Any, caseworker: User, namur: Office, dinant: Office
) -> None:
    mine = BeneficiaryFactory(office=namur)
    theirs = BeneficiaryFactory(office=dinant)
    client = login_client(caseworker)
    response = client.post(NEW, {"kind": "assign", "dossiers": [mine.pk, theirs.pk]})
    assert response.status_code == 404
    for step in ("confirmer", "lancer"):
        response = client.post(
            NEW,
            {
                "kind": "assign",
                "etape": step,
                "selection": f"{mine.pk},{theirs.pk}",
                "caseworker": caseworker.pk,
            },
        )
        assert response.status_code == 404
    assert not BulkAction.objects.exists()
    assert Beneficiary.objects.get(pk=theirs.pk).caseworker is None


def test_the_filter_is_read_again_within_the_users_offices(
    login_client: Any, caseworker: User, namur: Office, dinant: Office
) -> None:
    mine = BeneficiaryFactory.create_batch(3, office=namur)
    BeneficiaryFactory(office=dinant)
    client = login_client(caseworker)
    # Dinant is not one of this caseworker's offices: the filter cannot reach it.
    response = client.post(NEW, {"kind": "assign", "portee": "filtre", "office": dinant.pk})
    page = response.content.decode()
    assert response.status_code == 200 and "3 dossiers sélectionnés" in page
    for person in mine:
        assert str(person.pk) in page


def test_too_many_files_in_the_filter_says_so(
    login_client: Any, coordinator: User, namur: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_FILES", 2)
    BeneficiaryFactory.create_batch(3, office=namur)
    response = login_client(coordinator).post(
        NEW, {"kind": "invite", "portee": "filtre", "office": namur.pk}
    )
    assert response.status_code == 400
    assert "Le filtre compte plus de 2 dossiers : affinez-le" in response.content.decode()


def test_nothing_ticked_says_so(login_client: Any, coordinator: User) -> None:
    response = login_client(coordinator).post(NEW, {"kind": "invite", "portee": "selection"})
    assert response.status_code == 400
    assert "Aucun dossier n&#x27;est sélectionné" in response.content.decode()


def test_invite_from_the_list_to_the_letters(
    login_client: Any,
    coordinator: User,
    welcome_file: Callable[..., Beneficiary],
    django_capture_on_commit_callbacks: Any,
) -> None:
    amina = welcome_file(last_name="Haddad", first_names="Amina", email="amina@example.test")
    olena = welcome_file(last_name="Kovalenko", first_names="Olena")
    stranger = BeneficiaryFactory(last_name="Nopath")
    client = login_client(coordinator)
    ids = [amina.pk, olena.pk, stranger.pk]
    choose = client.post(NEW, {"kind": "invite", "dossiers": ids})
    assert choose.status_code == 200
    assert "3 dossiers sélectionnés" in choose.content.decode()
    data = {"kind": "invite", "selection": ",".join(map(str, ids)), "channel": "both"}
    # A choice missing: said under its field, the rest kept.
    refused = client.post(NEW, {**data, "channel": "", "etape": "confirmer"})
    assert refused.status_code == 400
    assert "Ce champ est obligatoire" in refused.content.decode()
    confirm = client.post(NEW, {**data, "etape": "confirmer"})
    page = confirm.content.decode()
    assert "Inviter 3 personnes au module d&#x27;accueil ?" in page
    assert "HADDAD Amina" in page
    assert not BulkAction.objects.exists()  # nothing before the confirmation
    token = re.search(r'name="token" value="([0-9a-f-]{36})"', page)
    assert token is not None
    with django_capture_on_commit_callbacks(execute=True):
        launched = client.post(NEW, {**data, "token": token[1], "etape": "lancer"})
    action = BulkAction.objects.get()
    assert launched.status_code == 302 and launched.url == reverse("bulk:detail", args=[action.pk])
    result = client.get(launched.url).content.decode()
    assert "3 dossiers : 2 faits, 1 refusés." in result
    assert "Pas de parcours ouvert." in result
    assert "Télécharger les 2 lettres à imprimer" in result
    assert "envoyée" in result  # the e-mail's status, from the outbox
    pdf = client.get(reverse("bulk:letters", args=[action.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(pdf.streaming_content)))
    assert len(reader.pages) == 2
    assert "HADDAD Amina" in reader.pages[0].extract_text()
    assert Dispatch.objects.get().bulk_item.beneficiary_id == amina.pk
    assert [m.to for m in mail.outbox] == [["amina@example.test"]]
    assert "Actions groupées" in client.get(reverse("bulk:list")).content.decode()


def test_who_sees_which_action_and_file(
    login_client: Any,
    caseworker: User,
    outsider: User,
    coordinator: User,
    namur: Office,
    dinant: Office,
    run: Callable[..., BulkAction],
) -> None:
    person = BeneficiaryFactory(office=namur, last_name="Visible")
    action = run(kind="assign", files=[person.pk], by=caseworker, caseworker=caseworker)
    detail = reverse("bulk:detail", args=[action.pk])
    assert login_client(outsider).get(detail).status_code == 404
    assert login_client(outsider).get(reverse("bulk:state", args=[action.pk])).status_code == 404
    assert login_client(coordinator).get(detail).status_code == 200
    assert "VISIBLE" in login_client(caseworker).get(detail).content.decode()
    Beneficiary.objects.filter(pk=person.pk).update(office=dinant)  # moved since
    page = login_client(caseworker).get(detail).content.decode()
    assert "VISIBLE" not in page and "Dossier hors de vos bureaux" in page
    listing = login_client(outsider).get(reverse("bulk:list")).content.decode()
    assert "Aucune action groupée" in listing


def test_the_progress_reloads_the_page_once_done(
    login_client: Any, caseworker: User, namur: Office, run: Callable[..., BulkAction]
) -> None:
    person = BeneficiaryFactory(office=namur)
    action = run(kind="assign", files=[person.pk], by=caseworker, caseworker=caseworker)
    state = login_client(caseworker).get(
        reverse("bulk:state", args=[action.pk]), headers={"HX-Request": "true"}
    )
    assert state["HX-Refresh"] == "true" and "terminée" in state.content.decode()
    BulkAction.objects.filter(pk=action.pk).update(status="running", progress=40)
    running = login_client(caseworker).get(reverse("bulk:state", args=[action.pk]))
    assert (
        'hx-trigger="every 2s"' in running.content.decode() and "40 %" in running.content.decode()
    )


def test_the_actions_list_has_a_fixed_query_count_and_pages(
    login_client: Any, coordinator: User, caseworker: User, namur: Office
) -> None:
    client = login_client(coordinator)

    def count(url: str = reverse("bulk:list")) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    def actions(n: int) -> None:
        made = BulkAction.objects.bulk_create(
            BulkAction(kind="assign", caseworker=caseworker, created_by=coordinator, total=3)
            for _n in range(n)
        )
        BulkItem.objects.bulk_create(
            BulkItem(action=action, beneficiary=person, position=position)
            for action in made
            for position, person in enumerate(people, start=1)
        )

    people = BeneficiaryFactory.create_batch(3, office=namur)
    actions(1)
    one, page = count()
    assert page.count('data-testid="bulk-action"') == 1 and "Page 1 sur" not in page
    actions(49)
    fifty, page = count()
    assert fifty == one and page.count('data-testid="bulk-action"') == 50
    # The 51st: a second page, the oldest on it.
    actions(1)
    first, page = count()
    assert page.count('data-testid="bulk-action"') == 50 and "Page 1 sur 2" in page
    assert 'href="?page=2"' in page
    second, page = count(reverse("bulk:list") + "?page=2")
    assert page.count('data-testid="bulk-action"') == 1 and "Page 2 sur 2" in page
    assert first == second == one
