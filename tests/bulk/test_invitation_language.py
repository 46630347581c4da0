"""The invitation to the welcome module in the person's language: the French letter, then
the whole letter in their language (the file's contact language, else the first of their
languages whose catalogue has all of it), or the French alone."""

from __future__ import annotations

import io
from datetime import timedelta

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader

from appointments.models import Appointment, AppointmentType
from bulk.letters import invitation_facts
from cainamur.models import Centre
from cainamur.pdf import centre_snapshot, render_pdf
from offices.models import Office
from tests.factories import BeneficiaryFactory


def test_the_invitation_in_french_then_in_the_person_s_language(db: None, namur: Office) -> None:
    centre = Centre.current()
    person = BeneficiaryFactory(first_names="Amina", languages=["de", "ar"], office=namur)
    facts = invitation_facts(person, session=None, centre=centre, bring="Votre titre.")
    assert facts["french"]["greeting"] == "Bonjour Amina,"
    assert "Prenez rendez-vous au" in facts["french"]["call"]
    translated = facts["translated"]  # German is not written in: Arabic, whole
    assert translated["language"] == "ar" and translated["rtl"]
    assert translated["texts"]["title"] == "دعوة إلى وحدة الاستقبال"
    assert "\u2068Amina\u2069" in translated["texts"]["greeting"]
    body = render_to_string("emails/welcome_invitation.txt", {**facts, "centre": centre})
    assert body.index("Bienvenue en Wallonie") < body.index("مرحبًا بك في والونيا")

    person.contact_language = "de"  # a language the centre does not write in: French alone
    assert invitation_facts(person, session=None, centre=centre, bring="")["translated"] == {}
    person.contact_language = "es"
    spanish = invitation_facts(person, session=None, centre=centre, bring="")["translated"]
    assert spanish["language"] == "es" and not spanish["rtl"]
    person.contact_language = "uk"
    session = Appointment(
        type=AppointmentType.objects.get(code="welcome"),
        office=namur,
        during=DateTimeTZRange(
            timezone.now() + timedelta(days=3), timezone.now() + timedelta(days=3, hours=2)
        ),
    )
    facts = invitation_facts(person, session=session, centre=centre, bring="")
    start = timezone.localtime(session.during.lower)
    assert facts["french"]["session"].startswith("Nous vous invitons à la séance")
    assert f"{start:%d/%m/%Y %H:%M}" in facts["translated"]["texts"]["session"]
    assert "call" not in facts["translated"]["texts"]


def _fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return {
        str(font["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }


def test_the_arabic_letter_is_set_in_the_shipped_arabic_font(db: None, namur: Office) -> None:
    centre = Centre.current()
    person = BeneficiaryFactory(first_names="Amina", contact_language="ar", office=namur)
    letter = invitation_facts(person, session=None, centre=centre, bring="Votre titre.")
    pdf = render_pdf(
        "pdf/welcome_invitation.html",
        {"centre": centre_snapshot(centre), "on": "01/12/2026", "letters": [letter]},
    )
    assert {"DejaVu-Sans", "Noto-Naskh-Arabic"} <= _fonts(pdf)
    person.contact_language = ""  # French alone: no Arabic font at all
    letter = invitation_facts(person, session=None, centre=centre, bring="Votre titre.")
    pdf = render_pdf(
        "pdf/welcome_invitation.html",
        {"centre": centre_snapshot(centre), "on": "01/12/2026", "letters": [letter]},
    )
    assert "Noto-Naskh-Arabic" not in _fonts(pdf)
