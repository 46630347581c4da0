"""Codes never reach a screen: the main pages of every role, on demo data, show languages,
statuses, kinds and filters by their French labels; the admin names its sections in
French."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, Seat
from attestations.models import Attestation
from beneficiaries.languages import LANGUAGE_NAMES
from cainamur.models import User
from offices.models import Office
from operators.models import Offer
from parcours.models import Parcours
from reception.models import Callback, Permanence, QueueTicket
from reception.services import callback_log, ticket_call_next, ticket_finish, ticket_register
from tests.conftest import PROJECT_APPS

#: Stored values that are also words of the pages (« urgent », « ticket n° 3 », the
#: command « manage.py retention »), besides those the labels themselves use (« file » in
#: « en file d'attente »).
FRENCH_WORDS = frozenset({"retention", "ticket", "urgent"})


class _VisibleText(HTMLParser):
    """What a person reads: text and the labels of controls, not scripts nor values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts.extend(v for k, v in attrs if k in ("title", "aria-label", "alt") and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def stored_codes() -> dict[str, str]:
    """Every value a project model stores for a choice whose label says something else
    (``needs_address``, ``booked``, ``obliged``...), with where it comes from; values that
    are French words too (« social », « annexe ») are left out."""
    codes: dict[str, str] = {}
    french = set(FRENCH_WORDS)
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                for value, text in field.flatchoices if field.choices else ():
                    french.update(re.findall(r"\w+", str(text).lower()))
                    if isinstance(value, str) and len(value) > 3 and value != str(text):
                        codes.setdefault(value, f"{model.__name__}.{field.name}")
    return {code: where for code, where in codes.items() if code not in french}


def codes_shown(html: str, codes: dict[str, str]) -> dict[str, str]:
    words = set(re.findall(r"\w+", visible_text(html)))
    return {code: where for code, where in codes.items() if code in words}


@pytest.fixture
def demo(db: None, settings: Any) -> dict[str, User]:
    """The demo data (150 files, paths at every stage, operators, appointments,
    attestations), plus what it leaves out: a call-back in Ukrainian, interpreters, a
    permanence ticket dealt with."""
    settings.DEBUG = True  # seed_demo runs in development mode only
    call_command("seed_demo", beneficiaries=150, stdout=io.StringIO())
    users = {user.username: user for user in User.objects.all()}
    namur = Office.objects.get(code="namur")
    callback_log(
        callback=Callback(
            name="Olena Kovalenko",
            phone="+32470123456",
            language="uk",
            subject="Rappeler pour un rendez-vous.",
            office=namur,
        ),
        by=users["accueil"],
    )
    appointment = Appointment.objects.filter(beneficiary__isnull=False).order_by("during").first()
    assert appointment is not None
    Appointment.objects.filter(pk=appointment.pk).update(
        interpreter_language="ar", interpreter=Appointment.Interpreter.REQUESTED
    )
    Seat.objects.filter(pk__in=Seat.objects.values("pk")[:1]).update(interpreter_language="ti")
    permanence = Permanence.objects.filter(office=namur).first()
    assert permanence is not None
    today = timezone.localdate()
    for name in ("Ahmad", "Bilal"):
        ticket_register(permanence=permanence, on=today, by=users["accueil"], name=name)
    called = ticket_call_next(permanence=permanence, on=today, by=users["accueil"])
    assert called is not None
    ticket_finish(ticket=called, by=users["accueil"], topic=QueueTicket.Topic.JOB_SEARCH)
    return users


def main_pages() -> dict[str, list[str]]:
    """The pages each demo login reaches first: homes, lists, a few files and details."""
    appointment = Appointment.objects.exclude(interpreter_language="").select_related("office")
    interpreted = appointment.get()
    agenda = (
        f"{reverse('appointments:agenda')}?bureau={interpreted.office_id}"
        f"&jour={timezone.localtime(interpreted.during.lower).date().isoformat()}"
    )
    seat = Seat.objects.exclude(interpreter_language="").select_related("session").get()
    session_agenda = (
        f"{reverse('appointments:agenda')}?bureau={seat.session.office_id}"
        f"&jour={timezone.localtime(seat.session.during.lower).date().isoformat()}"
    )
    files = [
        reverse("beneficiaries:detail", args=[pk])
        for pk in Parcours.objects.order_by("status", "pk")
        .distinct("status")
        .values_list("beneficiary_id", flat=True)
    ]
    permanence = Permanence.objects.filter(office__code="namur").first()
    assert permanence is not None
    callback = Callback.objects.get()
    offer = Offer.objects.order_by("pk").first()
    assert offer is not None
    shared = [
        reverse("beneficiaries:list"),
        agenda,
        session_agenda,
        reverse("appointments:week"),
        reverse("appointments:mine"),
        reverse("reception:permanences"),
        reverse("reception:queue", args=[permanence.pk]),
        reverse("reception:callbacks"),
        reverse("reception:callback", args=[callback.pk]),
    ]
    return {
        "accueil": [reverse("home-reception"), *shared],
        "accompagnement": [
            reverse("home-caseworker"),
            *shared,
            reverse("operators:offers"),
            reverse("operators:offer", args=[offer.pk]),
            *files,
        ],
        "coordination": [
            reverse("home-coordinator"),
            reverse("attestations:register"),
            reverse("attestations:dispatches"),
            reverse("compliance:list"),
            reverse("read-log"),
            reverse("rights:retention"),
            reverse("operators:offers"),
        ],
    }


def test_the_main_pages_show_labels_not_codes(
    demo: dict[str, User], login_client: Callable[[User], Client]
) -> None:
    codes = stored_codes()
    assert {"needs_address", "no_show", "booked", "obliged"} <= set(codes)
    for username, urls in main_pages().items():
        client = login_client(demo[username])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            assert codes_shown(response.content.decode(), codes) == {}, (username, url)


def test_languages_read_in_french(
    demo: dict[str, User], login_client: Callable[[User], Client]
) -> None:
    reception = login_client(demo["accueil"])
    callbacks = visible_text(reception.get(reverse("reception:callbacks")).content.decode())
    assert "Olena Kovalenko" in callbacks and "ukrainien" in callbacks
    assert not re.search(r"· uk\b", callbacks)
    callback = Callback.objects.get()
    page = visible_text(
        reception.get(reverse("reception:callback", args=[callback.pk])).content.decode()
    )
    assert "ukrainien" in page and not re.search(r"· uk\b", page)

    appointment = Appointment.objects.exclude(interpreter_language="").get()
    day = timezone.localtime(appointment.during.lower).date()
    agenda = reception.get(
        reverse("appointments:agenda"), {"bureau": appointment.office_id, "jour": day.isoformat()}
    )
    text = visible_text(agenda.content.decode())
    assert "arabe · demandé" in text and not re.search(r"\bar ·", text)
    seat = Seat.objects.exclude(interpreter_language="").select_related("session").get()
    day = timezone.localtime(seat.session.during.lower).date()
    agenda = reception.get(
        reverse("appointments:agenda"),
        {"bureau": seat.session.office_id, "jour": day.isoformat()},
    )
    assert "interprète tigrigna" in visible_text(agenda.content.decode())

    offers = visible_text(
        login_client(demo["accompagnement"]).get(reverse("operators:offers")).content.decode()
    )
    spoken = {code for offer in Offer.objects.all() for code in offer.languages}
    assert {"fr", "ar", "uk"} <= spoken
    for code in spoken:
        assert str(LANGUAGE_NAMES[code]) in offers
    assert not re.search(r"\b(fr|ar|uk), ", offers) and not re.search(r"\d (fr|ar|uk)\b", offers)


def test_the_attestation_kind_reads_in_french_in_the_register_and_the_admin(
    demo: dict[str, User], login_client: Callable[[User], Client]
) -> None:
    assert Attestation.objects.filter(kind="obliged").exists()
    register = visible_text(
        login_client(demo["coordination"]).get(reverse("attestations:register")).content.decode()
    )
    assert "Obligatoire" in register and "obliged" not in register
    admin = login_client(demo["admin"])
    changelist = visible_text(
        admin.get(reverse("admin:attestations_attestation_changelist")).content.decode()
    )
    assert "Par régime du parcours" in changelist
    assert "Obligatoire" in changelist and "obliged" not in changelist


def test_the_admin_names_the_login_lockouts_in_french(
    demo: dict[str, User], login_client: Callable[[User], Client]
) -> None:
    admin = login_client(demo["admin"])
    index = admin.get(reverse("admin:index"))
    assert index.status_code == 200
    sections = [str(app["name"]) for app in index.context["app_list"]]
    assert "Verrouillages de connexion" in sections
    assert not [name for name in sections if name.casefold() == "axes"]
    section = admin.get(reverse("admin:app_list", args=["axes"]))
    assert "Verrouillages de connexion" in visible_text(section.content.decode())
    # Every section the administrator sees, and each of its lists with its filters.
    codes = stored_codes()
    for app in index.context["app_list"]:
        for model in app["models"]:
            response = admin.get(model["admin_url"])
            assert response.status_code == 200, model["admin_url"]
            assert codes_shown(response.content.decode(), codes) == {}, model["admin_url"]
