from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model

from appointments.models import Office
from beneficiaries.models import Beneficiary, Commune, Sex
from beneficiaries.services import file_numbers_reserve

PASSWORD = "un-mot-de-passe-solide"
#: Every test account's authenticator app (hex, as django-otp stores it); tests compute
#: its current code with ``current_code``.
TOTP_KEY = "3132333435363738393031323334353637383930"


def current_code(key: str = TOTP_KEY) -> str:
    """The code the authenticator app would show now."""
    from binascii import unhexlify

    from django_otp.oath import TOTP

    return f"{TOTP(unhexlify(key)).token():06d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = factory.Faker("first_name", locale="fr_BE")
    last_name = factory.Faker("last_name", locale="fr_BE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@cainamur.test")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def second_factor(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """An authenticator app, as every staff account has (``second_factor=False``: none,
        the person will be asked to set one up)."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if create and extracted is not False:
            TOTPDevice.objects.get_or_create(
                user=self, name="Application", defaults={"key": TOTP_KEY, "confirmed": True}
            )


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    file_number = factory.LazyFunction(lambda: file_numbers_reserve(year=2026)[0])
    last_name = factory.Faker("last_name", locale="fr_BE")
    first_names = factory.Faker("first_name", locale="fr_BE")
    sex = Sex.FEMALE
    birth_date = date(1990, 5, 17)
    nationality = "MA"
    office = factory.LazyFunction(lambda: Office.objects.get(code="namur"))
    commune = factory.LazyAttribute(lambda b: Commune.objects.filter(office=b.office).first())


def signed_path(
    beneficiary: Beneficiary,
    by: object,
    *,
    voluntary: bool = False,
    start: date = date(2026, 3, 2),
    french_hours: Decimal = Decimal("120"),
) -> object:
    """Open a path, run the welcome module and sign the convention (60 h citizenship and
    ``french_hours`` of French), the way a caseworker does it, starting on ``start``."""
    from parcours.services import convention_sign, parcours_open, welcome_update

    parcours = parcours_open(beneficiary=beneficiary, by=by, on=start, voluntary=voluntary)
    welcome_update(
        parcours=parcours,
        by=by,
        data={
            "social_assessment_on": start,
            "rights_duties_on": start + timedelta(days=7),
            "french_test_on": start + timedelta(days=8),
            "french_level": "a1",
        },
    )
    convention_sign(
        parcours=parcours,
        signed_on=start + timedelta(days=14),
        start_on=start + timedelta(days=14),
        by=by,
        citizenship_hours=Decimal("60"),
        french_required=True,
        french_hours=french_hours,
        orientation_required=False,
        orientation_hours=Decimal("4"),
    )
    return parcours


def complete_path(
    beneficiary: Beneficiary,
    by: object,
    *,
    voluntary: bool = False,
    start: date = date(2026, 3, 2),
) -> object:
    """A signed path (``signed_path``) whose required axes then get all their hours."""
    from parcours.services import hours_record

    parcours: Any = signed_path(beneficiary, by, voluntary=voluntary, start=start)
    for axis in parcours.axes.exclude(status="not_required"):
        # The training's hours, as one line for the weeks since the convention started.
        hours_record(
            axis=axis,
            on=start + timedelta(days=60),
            first_day=start + timedelta(days=14),
            hours=axis.required_hours,
            by=by,
        )
    parcours.refresh_from_db()
    return parcours


def give_addresses(commune_name: str = "Namur") -> Commune:
    """The commune's population service and its CPAS get e-mail addresses (for copies)."""
    from beneficiaries.models import Cpas

    commune = Commune.objects.get(name=commune_name)
    commune.population_email = "population@ville.namur.test"
    commune.save()
    Cpas.objects.filter(commune=commune).update(email="social@cpas.namur.test")
    return commune


def obliged_file(by: object, **fields: object) -> Beneficiary:
    """A newcomer registered in January 2026 (obliged), assessed."""
    from parcours.services import obligation_assess

    fields.setdefault("first_registration_on", date(2026, 1, 12))
    fields.setdefault("permit_ordered_on", date(2026, 1, 20))
    beneficiary = BeneficiaryFactory(**fields)
    obligation_assess(beneficiary=beneficiary, by=by, trigger="test")
    return beneficiary
