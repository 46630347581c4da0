"""The national register number agrees with the birth date and the sex typed: a
disagreement is an error on the number until the caseworker confirms it, never a silent
save (a BIS number that does not say the date or the sex is not questioned)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries.models import Beneficiary, Commune
from beneficiaries.services import beneficiary_register
from cainamur.models import AuditEvent, User
from offices.models import Office
from tests.beneficiaries.test_file import VALID_NRN, registration
from tests.cainamur.test_plausible import register_number
from tests.factories import BeneficiaryFactory

# registration(): Salma El Amrani, a woman born on 14 March 1992.
HERS = register_number("920314", 2)
BIS_SEX_UNKNOWN = register_number("920314", 5, bis_month_offset=20)


@pytest.fixture
def client_cw(login_client: Any, caseworker: User) -> Any:
    return login_client(caseworker)


def test_a_number_saying_another_birth_and_sex_asks_for_a_confirmation(
    client_cw: Any, caseworker: User
) -> None:
    asked = client_cw.post(reverse("beneficiaries:create"), registration(national_number=VALID_NRN))
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "une naissance le 30/07/1985, pas le 14/03/1992" in page
    assert "celui d&#x27;un homme" in page
    assert 'data-testid="confirm-register-number"' in page
    assert 'value="El Amrani"' in page  # what was typed stays
    assert not Beneficiary.objects.filter(last_name="El Amrani").exists()
    confirmed = client_cw.post(
        reverse("beneficiaries:create"),
        registration(national_number=VALID_NRN, confirm_register_number="on"),
    )
    assert confirmed.status_code == 302
    person = Beneficiary.objects.get(last_name="El Amrani")
    opened = AuditEvent.objects.get(beneficiary=person, action="beneficiaries.beneficiary_register")
    assert opened.data == {"register_number_confirmed": True}


@pytest.mark.parametrize("number", [HERS, BIS_SEX_UNKNOWN])
def test_a_number_that_agrees_or_does_not_say_is_not_questioned(
    client_cw: Any, number: str
) -> None:
    response = client_cw.post(reverse("beneficiaries:create"), registration(national_number=number))
    assert response.status_code == 302
    assert Beneficiary.objects.with_national_number(number).exists()


def test_an_edit_asks_when_the_number_the_birth_date_or_the_sex_changes(
    client_cw: Any,
) -> None:
    # An older file whose number never matched: editing its phone asks nothing.
    person = BeneficiaryFactory(national_number=VALID_NRN, postal_code="5000")
    url = reverse("beneficiaries:update", args=[person.pk])
    form = {
        **registration(
            last_name=person.last_name,
            first_names=person.first_names,
            birth_date=person.birth_date.isoformat(),
            sex=person.sex,
            national_number=VALID_NRN,
        ),
        "phone": "0471 99 88 77",
    }
    assert client_cw.post(url, form).status_code == 302
    asked = client_cw.post(url, {**form, "birth_date": "1990-05-18"})
    assert asked.status_code == 200 and "pas le 18/05/1990" in asked.content.decode()
    person.refresh_from_db()
    assert person.birth_date == date(1990, 5, 17)
    assert (
        client_cw.post(
            url, {**form, "birth_date": "1985-07-30", "sex": "M", "phone": "0471 99 88 76"}
        ).status_code
        == 302
    )


def test_the_service_refuses_a_disagreement_not_confirmed(caseworker: User) -> None:
    data = {
        "last_name": "Haddad",
        "first_names": "Amina",
        "sex": "F",
        "birth_date": date(1992, 3, 14),
        "nationality": "MA",
        "national_number": VALID_NRN,
        "commune": Commune.objects.get(name="Namur"),
        "office": Office.objects.get(code="namur"),
    }
    with pytest.raises(ValidationError) as refused:
        beneficiary_register(data=data, by=caseworker)
    assert "national_number" in refused.value.message_dict
    assert not Beneficiary.objects.filter(last_name="Haddad").exists()
    beneficiary_register(data=data, by=caseworker, number_confirmed=True)
    assert Beneficiary.objects.filter(last_name="Haddad").exists()
