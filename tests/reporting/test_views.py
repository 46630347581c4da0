"""« Pilotage » as people use it: the period chosen (and refused with a French message),
the filters, each figure a link to exactly its files in the file list, within the
user's offices; the preview with small counts hidden."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary
from cainamur.models import User
from reporting import periods
from reporting.drilldown import may_follow
from reporting.indicators import Drill
from reporting.scope import Scope
from tests.reporting import reference
from tests.reporting.conftest import World

URL = "/pilotage/"
YEAR_2026 = {"periode": "annee", "annee": "2026"}


def page(client: Any, params: dict[str, str] | None = None) -> tuple[int, str]:
    response = client.get(URL, params or {})
    return response.status_code, response.content.decode()


def links(text: str) -> dict[str, str]:
    """The figures' links of a page, by their ``pilotage`` value (the first of each)."""
    found: dict[str, str] = {}
    for href in re.findall(r'href="(/dossiers/\?[^"]+)"', text):
        url = html.unescape(href)
        key = dict(parse_qsl(urlsplit(url).query)).get("pilotage", "")
        found.setdefault(key, url)
    return found


def listed(client: Any, url: str) -> set[str]:
    """The file numbers the file list shows (every page)."""
    text = client.get(url).content.decode()
    assert "Les dossiers derrière le chiffre" in text, url
    return set(re.findall(r'<td class="file-number">([^<]+)</td>', text))


def numbers(ids: set[int]) -> set[str]:
    return set(Beneficiary.objects.filter(pk__in=ids).values_list("file_number", flat=True))


def test_the_dashboard_opens_on_the_current_year(
    world: World, login_client: Any, coordinator: User
) -> None:
    status, text = page(login_client(coordinator))
    assert status == 200
    assert "Année 2026" in text and "tous les bureaux" in text
    for title in ("Évolution", "Accueil", "Obligation", "Parcours", "Échéances", "Rendez-vous"):
        assert title in text
    assert "<svg" in text and 'role="img"' in text  # charts, each with its table
    assert "Chiffres exacts, pour l'équipe" in text


def test_a_figure_leads_to_exactly_its_files(
    world: World, login_client: Any, coordinator: User
) -> None:
    client = login_client(coordinator)
    _status, text = page(client, YEAR_2026)
    found = links(text)
    scope = Scope(period=periods.year(2026), today=date(2026, 12, 1))
    counted = reference.files_figures(scope)
    counted.update(reference.obligation(scope))
    for key in ("received", "opened", "presentation:missed", "obligation:obliged"):
        assert listed(client, found[key]) == numbers(counted[key]), key
    # The link says what it lists, and leads back to the same dashboard.
    response = client.get(found["received"]).content.decode()
    assert "Personnes reçues (premier contact) · Année 2026" in response
    assert 'href="/pilotage/?periode=annee&amp;annee=2026"' in response
    # The search and the next page carry the figure along (hidden in the list's form).
    assert '<input type="hidden" name="pilotage" value="received">' in response


def test_a_caseworker_follows_a_figure_to_the_files_of_their_offices_only(
    world: World, login_client: Any, caseworker: User, coordinator: User
) -> None:
    mine = login_client(caseworker)
    status, text = page(mine, YEAR_2026)
    assert status == 200 and "vos bureaux : Namur" in text
    url = links(text)["received"]
    shown = listed(mine, url)
    assert world.files["dinant"].file_number not in shown
    # The very same link, followed by a coordinator, lists Dinant's file too.
    assert world.files["dinant"].file_number in listed(login_client(coordinator), url)


def test_a_search_inside_the_files_of_a_figure(
    world: World, login_client: Any, coordinator: User
) -> None:
    client = login_client(coordinator)
    done = world.files["done"]
    data = {"pilotage": "received", **YEAR_2026, "q": done.file_number}
    text = client.post(reverse("beneficiaries:list"), data).content.decode()
    assert re.findall(r'<td class="file-number">([^<]+)</td>', text) == [done.file_number]
    # A file outside the figure is not found there, even by its number.
    old = world.files["old"]
    data["q"] = old.file_number
    text = client.post(reverse("beneficiaries:list"), data).content.decode()
    assert old.file_number not in re.findall(r'<td class="file-number">([^<]+)</td>', text)


def test_a_link_that_does_not_resolve_lists_nothing(
    world: World, login_client: Any, coordinator: User, reception: User
) -> None:
    for params in (
        {"pilotage": "nothing", **YEAR_2026},
        {"pilotage": "obligation:nobody", **YEAR_2026},
        {"pilotage": "received", "periode": "dates", "du": "2026-05-01", "au": "2026-04-01"},
    ):
        text = login_client(coordinator).get("/dossiers/", params).content.decode()
        assert "n'est pas (ou plus) valide" in text, params
        assert 'class="file-number"' not in text
    # Reception may list files, but not a figure's (the dashboard is not theirs).
    text = login_client(reception).get("/dossiers/", {"pilotage": "received", **YEAR_2026})
    assert "n'est pas (ou plus) valide" in text.content.decode()


def test_medical_exemptions_lead_to_files_only_with_the_health_permission(
    reception: User, caseworker: User
) -> None:
    medical = Drill("exemption", "medical")
    assert may_follow(medical, caseworker)
    assert not may_follow(medical, reception)
    assert may_follow(Drill("exemption", "65_or_over"), reception)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"periode": "dates", "du": "2026-05-01", "au": "2026-04-01"}, "au", "précède le premier"),
        ({"periode": "dates", "du": "2026-05-01"}, "au", "Indiquez le dernier jour"),
        ({"periode": "dates", "au": "2026-05-01"}, "du", "Indiquez le premier jour"),
        ({"periode": "dates", "du": "2027-01-10", "au": "2027-02-01"}, "du", "après aujourd'hui"),
        ({"periode": "dates", "du": "2015-01-01", "au": "2016-02-01"}, "du", "commencent en 2016"),
        ({"periode": "dates", "du": "2016-06-01", "au": "2026-06-01"}, "au", "au plus cinq ans"),
        ({"periode": "dates", "du": "31/02/2026", "au": "2026-06-01"}, "du", "date valide"),
        ({"periode": "trimestre", "annee": "2026"}, "trimestre", "Choisissez le trimestre"),
        ({"periode": "mois", "annee": "2026"}, "mois", "Choisissez le mois"),
        ({"periode": "annee", "annee": "2031"}, "annee", "choix valide"),
    ],
)
def test_a_wrong_period_is_refused_in_french(
    login_client: Any, coordinator: User, params: dict[str, str], field: str, message: str
) -> None:
    status, text = page(login_client(coordinator), params)
    assert status == 400
    assert message in html.unescape(text), text[:200]
    assert "Corrigez la période" in html.unescape(text)
    # What was typed stays in the form.
    for name, value in params.items():
        if name in ("du", "au"):
            assert f'value="{value}"' in text


def test_periods_and_filters_narrow_the_figures(
    world: World, login_client: Any, coordinator: User
) -> None:
    client = login_client(coordinator)
    status, text = page(client, {"periode": "mois", "annee": "2026", "mois": "3"})
    assert status == 200 and "Mars 2026" in text
    status, text = page(
        client, {"periode": "trimestre", "annee": "2026", "trimestre": "1", "sexe": "F"}
    )
    assert status == 200 and "1er trimestre 2026" in text and "Sexe : Femme" in text
    url = links(text)["received"]
    assert "sexe=F" in url
    shown = listed(client, url)
    women = Beneficiary.objects.filter(
        sex="F", presented_on__range=(date(2026, 1, 1), date(2026, 3, 31))
    )
    assert shown == set(women.values_list("file_number", flat=True))
    # The previous period keeps the filters.
    previous = html.unescape(re.search(r'href="([^"]+)"[^>]*>\s*<i[^>]*></i> Période', text)[1])
    assert "trimestre=4" in previous and "annee=2025" in previous and "sexe=F" in previous


def test_the_preview_leaving_the_centre_hides_small_counts(
    world: World, login_client: Any, coordinator: User, settings: Any
) -> None:
    client = login_client(coordinator)
    _status, exact = page(client, YEAR_2026)
    _status, hidden = page(client, {**YEAR_2026, "masquer": "1"})
    assert "&lt; 5" in hidden and "Aperçu tel qu" in hidden
    assert hidden.count("&lt; 5") > exact.count("&lt; 5")
    settings.CAI_SMALL_CELL = 3
    _status, three = page(client, {**YEAR_2026, "masquer": "1"})
    assert "&lt; 3" in three and "&lt; 5" not in three


def test_the_page_is_for_caseworkers_and_coordinators(
    login_client: Any, reception: User, administrator: User, client: Any, db: None
) -> None:
    assert client.get(URL).status_code == 302
    assert login_client(reception).get(URL).status_code == 403
    assert login_client(administrator).get(URL).status_code == 403


def test_navigation_shows_pilotage_to_those_who_may_open_it(
    login_client: Any, reception: User, caseworker: User
) -> None:
    assert 'href="/pilotage/"' in login_client(caseworker).get("/dossiers/").content.decode()
    assert 'href="/pilotage/"' not in login_client(reception).get("/dossiers/").content.decode()


def test_a_caseworker_cannot_choose_another_office(
    world: World, login_client: Any, caseworker: User, dinant: Any
) -> None:
    status, text = page(login_client(caseworker), {**YEAR_2026, "bureau": str(dinant.pk)})
    assert status == 400 and "choix valide" in html.unescape(text)
