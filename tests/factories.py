from __future__ import annotations

from datetime import date

import factory
from django.contrib.auth import get_user_model

from appointments.models import Office
from beneficiaries.models import Beneficiary, Commune, Sex
from beneficiaries.services import file_numbers_reserve

PASSWORD = "un-mot-de-passe-solide"


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
