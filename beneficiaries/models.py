from __future__ import annotations

from typing import ClassVar

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cainamur.permissions import OfficeScopedQuerySet


class Arrondissement(models.TextChoices):
    NAMUR = "Namur", "Namur"
    DINANT = "Dinant", "Dinant"
    PHILIPPEVILLE = "Philippeville", "Philippeville"


@pghistory.track()
class Commune(models.Model):
    """One of the 38 communes of the province of Namur (reference data)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    arrondissement = models.CharField(
        _("arrondissement"), max_length=20, choices=Arrondissement.choices
    )
    postal_codes = ArrayField(
        models.CharField(max_length=4), verbose_name=_("codes postaux"), default=list
    )
    office = models.ForeignKey(
        "appointments.Office",
        verbose_name=_("bureau de référence"),
        on_delete=models.PROTECT,
        related_name="communes",
        help_text=_("Le bureau qui reçoit par défaut les habitants de cette commune."),
    )
    population_email = models.EmailField(
        _("e-mail du service population"),
        blank=True,
        help_text=_("Destinataire des copies d'attestation pour cette commune."),
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ("name",)
        indexes = [GinIndex(fields=["postal_codes"], name="commune_postal_codes_gin")]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Cpas(models.Model):
    """The public social welfare centre of a commune."""

    commune = models.OneToOneField(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="cpas"
    )
    name = models.CharField(_("nom"), max_length=150, unique=True)
    email = models.EmailField(
        _("adresse e-mail"),
        blank=True,
        help_text=_("Destinataire des copies d'attestation des personnes aidées par ce CPAS."),
    )
    street = models.CharField(_("rue et numéro"), max_length=200, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("CPAS")
        verbose_name_plural = _("CPAS")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class FileNumberCounter(models.Model):
    """Last file number handed out per year: numbers are never reused, even on deletion."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur de numéros de dossier")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Sex(models.TextChoices):
    FEMALE = "F", _("Femme")
    MALE = "M", _("Homme")
    OTHER = "X", _("Autre / non précisé")


class BeneficiaryQuerySet(OfficeScopedQuerySet):
    office_lookup: ClassVar[str] = "office"


@pghistory.track()
class Beneficiary(models.Model):
    """A newcomer's file (identity and follow-up; the path itself lives in ``parcours``)."""

    file_number = models.CharField(_("numéro de dossier"), max_length=20, unique=True)
    last_name = models.CharField(_("nom"), max_length=120)
    first_names = models.CharField(_("prénoms"), max_length=200)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date de naissance"))
    nationality = CountryField(_("nationalité"))
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        "appointments.Office",
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        related_name="beneficiaries",
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("référent·e"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="beneficiaries",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ("last_name", "first_names", "id")
        permissions = [("view_health_data", _("Voir les données de santé"))]
        indexes = [
            # The list's default order, for everyone and per office, without a sort.
            models.Index(fields=["last_name", "first_names", "id"], name="beneficiary_name_order"),
            models.Index(fields=["office", "last_name"], name="beneficiary_office_name"),
            models.Index(fields=["caseworker", "last_name"], name="beneficiary_caseworker_name"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_names} ({self.file_number})"
