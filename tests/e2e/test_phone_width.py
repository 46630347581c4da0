"""Every page of every role on a phone (issue 14): at 390 px wide nothing scrolls
sideways, on the demo data (files with paths, today's agenda, call-backs, permanences,
attestations, breaches). The pages are those each role reaches: its home, every page of
the navigation, and the pages of one file, of one offer and of one breach."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from attestations.models import Attestation
from beneficiaries.models import Beneficiary
from compliance.models import NonCompliance
from demo.data import DEMO_TOTP_KEY_HEX
from demo.management.commands.seed_demo import DEMO_LOGINS
from operators.models import Offer
from tests.cainamur.test_url_permissions import URL_ROLES
from tests.factories import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
#: Demo login -> the persona of URL_ROLES whose pages it may open.
PERSONAS = {
    "accueil": "reception",
    "accompagnement": "caseworker",
    "coordination": "coordinator",
    "admin": "administrator",
}
#: Pages that are not screens (downloads, actions answered by a redirect).
NOT_SCREENS = {"logout", "password_change_done"}


def pages_of(persona: str) -> list[str]:
    """The screens a persona opens, with a file, an offer and a breach of the demo."""
    urls = [
        reverse(name)
        for name, allowed in sorted(URL_ROLES.items())
        if persona in allowed and name not in NOT_SCREENS
    ]
    if persona == "administrator":
        return [*urls, "/admin/", "/admin/offices/office/", "/admin/beneficiaries/beneficiary/"]
    # A file with a signed convention (its PDF, « Signer un avenant »), an attestation if
    # the demo has one in Namur: the richest file page.
    followed = (
        Beneficiary.objects.filter(paths__conventions__isnull=False, office__code="namur")
        .order_by("-attestations", "pk")
        .first()
    )
    assert followed is not None
    booked = (
        Appointment.objects.filter(office__code="namur", status="booked", beneficiary__isnull=False)
        .order_by("during")
        .first()
    )
    assert booked is not None
    day = timezone.localtime(booked.during.lower).date()
    urls += [
        # The day agenda on a day with appointments (their check-in buttons).
        f"{reverse('appointments:agenda')}?jour={day.isoformat()}&bureau={booked.office_id}",
        reverse("beneficiaries:detail", args=[followed.pk]),
        reverse("beneficiaries:detail", args=[followed.pk]) + "?historique=tout",
    ]
    if persona != "reception":
        urls.append(reverse("beneficiaries:update", args=[followed.pk]))
        offer = Offer.objects.order_by("pk").first()
        assert offer is not None
        urls.append(reverse("operators:offer", args=[offer.pk]))
    if persona == "coordinator":
        breach = NonCompliance.objects.order_by("pk").first()
        if breach is not None:
            urls.append(reverse("compliance:case", args=[breach.pk]))
        attestation = Attestation.objects.order_by("pk").first()
        if attestation is not None:
            urls.append(reverse("beneficiaries:detail", args=[attestation.beneficiary_id]))
        urls.append(reverse("rights:export", args=[followed.pk]))
        urls.append(reverse("rights:anonymise", args=[followed.pk]))
    return urls


#: The innermost elements that reach past the screen's right edge (to say what to fix).
WIDEST = """() => {
  const wide = [...document.querySelectorAll('body *')].filter(
    e => e.getBoundingClientRect().right > window.innerWidth + 1);
  const innermost = wide.filter(e => !wide.some(o => o !== e && e.contains(o)));
  return innermost.slice(0, 3).map(
    e => e.tagName.toLowerCase()
      + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
      + ' «' + (e.textContent || '').trim().slice(0, 40) + '»').join('; ');
}"""


#: Buttons, links and fields a person cannot see without scrolling a box sideways.
OFF_SCREEN = """() => [...document.querySelectorAll('main a, main button, main input, main select')]
  .filter(e => { const r = e.getBoundingClientRect();
                 return r.width > 0 && e.type !== 'hidden' && r.right > window.innerWidth + 1; })
  .slice(0, 3)
  .map(e => e.tagName.toLowerCase()
    + ' «' + (e.textContent || e.name || '').trim().slice(0, 30) + '»')
  .join('; ')"""


def log_in_demo(page: Any, username: str, password: str) -> None:
    page.goto("/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code de l'application d'authentification").fill(
        current_code(DEMO_TOTP_KEY_HEX)
    )
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url(lambda url: "/connexion/" not in url)


def test_no_page_scrolls_sideways_on_a_phone(page: Any, settings: Any) -> None:
    settings.DEBUG = True  # seed_demo runs in development mode only
    call_command("seed_demo", beneficiaries=80, stdout=io.StringIO())
    page.set_viewport_size(PHONE)
    too_wide: list[str] = []
    seen = 0
    for username, password, *_rest in DEMO_LOGINS:
        page.context.clear_cookies()
        log_in_demo(page, username, password)
        for url in pages_of(PERSONAS[username]):
            response = page.goto(url)
            assert response is not None and response.status == 200, (username, url)
            seen += 1
            width = page.evaluate("document.documentElement.scrollWidth")
            # The Django admin's own lists scroll inside their box, by its design.
            hidden = "" if url.startswith("/admin/") else page.evaluate(OFF_SCREEN)
            if hidden:  # inside a box that scrolls: the page fits, the button does not
                too_wide.append(f"{username} {url}: off-screen {hidden}")
            if width > PHONE["width"]:
                culprits = page.evaluate(WIDEST)
                too_wide.append(f"{username} {url}: {width} px ({culprits})")
    assert seen > 60  # every role's pages, not a chosen few
    assert too_wide == []
