from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from cainamur.models import User
from tests.conftest import log_in_through_form
from tests.factories import PASSWORD, BeneficiaryFactory, current_code

HOME_BY_PERSONA = {
    "reception": "home-reception",
    "caseworker": "home-caseworker",
    "coordinator": "home-coordinator",
    "administrator": "home-administrator",
}


@pytest.mark.parametrize("key", sorted(HOME_BY_PERSONA))
def test_home_redirects_to_the_role_home(
    login_client: Any, personas: dict[str, User], key: str
) -> None:
    response = login_client(personas[key]).get(reverse("home"))
    assert response["Location"] == reverse(HOME_BY_PERSONA[key])


def test_login_in_french_with_clear_error(client: Any, caseworker: User) -> None:
    page = client.get(reverse("login")).content.decode()
    assert "Connexion" in page and 'lang="fr"' in page
    assert 'for="id_username"' in page and 'for="id_password"' in page
    response = client.post(reverse("login"), {"username": caseworker.username, "password": "x"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()
    # What was typed is kept.
    assert f'value="{caseworker.username}"' in response.content.decode()


def test_login_then_logout(client: Any, caseworker: User) -> None:
    response = client.post(
        reverse("login"), {"username": caseworker.username, "password": PASSWORD}
    )
    assert response["Location"] == reverse("home")
    # The password alone opens nothing: the second factor comes first.
    held = client.get(reverse("home-caseworker"))
    assert held["Location"].startswith(reverse("second-factor-verify"))
    verified = client.post(
        reverse("second-factor-verify"), {"code": current_code(), "next": "/accompagnement/"}
    )
    assert verified["Location"] == "/accompagnement/"
    assert client.get(reverse("home-caseworker")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home-caseworker")).status_code == 302


def test_password_reset_by_email(client: Any, caseworker: User) -> None:
    response = client.post(reverse("password_reset"), {"email": caseworker.email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [caseworker.email]
    assert "réinitialisation" in message.subject
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+)", message.body)
    assert link, message.body
    form_page = client.get(link.group(1), follow=True)
    assert "Choisissez un nouveau mot de passe" in form_page.content.decode()
    new_password = "Une-nouvelle-phrase-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert log_in_through_form(client, caseworker.username, new_password)


def test_password_reset_unknown_address_sends_nothing(client: Any, db: None) -> None:
    response = client.post(reverse("password_reset"), {"email": "inconnu@example.org"})
    assert response.status_code == 302  # same answer: no account enumeration
    assert mail.outbox == []


def test_password_change(login_client: Any, caseworker: User) -> None:
    client = login_client(caseworker)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "court",
            "new_password2": "court",
        },
    )
    assert response.status_code == 200
    assert "Ce mot de passe est trop court" in response.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Encore-une-phrase-2026",
            "new_password2": "Encore-une-phrase-2026",
        },
    )
    assert response["Location"] == reverse("password_change_done")


def test_navigation_fits_the_role(login_client: Any, reception: User) -> None:
    page = login_client(reception).get(reverse("home-reception")).content.decode()
    assert 'href="/dossiers/"' in page
    assert 'href="/coordination/"' not in page
    assert 'href="/administration/"' not in page


def test_404_page_is_french(login_client: Any, caseworker: User) -> None:
    response = login_client(caseworker).get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_administrator_home_counts_missing_addresses(
    login_client: Any, administrator: User
) -> None:
    from beneficiaries.models import Commune

    Commune.objects.filter(name="Namur").update(population_email="population@ville.namur.be")
    page = login_client(administrator).get(reverse("home-administrator")).content.decode()
    assert "37 communes n'ont pas d'adresse e-mail" in page
    assert "38 CPAS n'ont pas d'adresse e-mail" in page


def test_500_page_is_french_and_standalone() -> None:
    from django.template.loader import render_to_string

    page = render_to_string("500.html")  # rendered by Django without any context
    assert "Une erreur est survenue" in page and 'lang="fr"' in page


def test_repeated_failures_lock_the_login_for_a_while(client: Any, caseworker: User) -> None:
    def attempt(password: str) -> Any:
        return client.post(
            reverse("login"), {"username": caseworker.username, "password": password}
        )

    for _ in range(4):
        assert attempt("x").status_code == 200  # the form again, with its error
    fifth = attempt("x")
    assert fifth.status_code == 429
    assert "Réessayez dans 15 minutes" in fifth.content.decode()
    # Locked: even the right password is refused until the cool-off ends.
    assert attempt(PASSWORD).status_code == 429
    # Someone else, from the same desk, can still log in.
    from tests.factories import UserFactory

    other = UserFactory(username="collegue")
    assert log_in_through_form(client, other.username, PASSWORD)


def test_the_coordinator_sees_when_the_figures_were_counted(
    login_client: Any, coordinator: User, caseworker: User
) -> None:
    """Files per office and breaches read every file: counted once every ten minutes,
    with the time shown, not on each load."""
    BeneficiaryFactory.create_batch(2, caseworker=caseworker)
    client = login_client(coordinator)
    page = client.get(reverse("home-coordinator")).content.decode()
    assert 'data-testid="counted-at"' in page and "Comptés à" in page
    assert 'data-testid="breaches-at"' in page
    total = page.split('<div class="stat">', 1)[1].split("<", 1)[0]
    BeneficiaryFactory(caseworker=caseworker)
    again = client.get(reverse("home-coordinator")).content.decode()
    assert again.split('<div class="stat">', 1)[1].split("<", 1)[0] == total  # kept
