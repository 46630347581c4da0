"""Attestations of attendance (attestations de fréquentation) and their register.

An issued attestation is immutable (database triggers): a correction is a re-issue that
supersedes it, a withdrawal is a revocation with a reason; nobody can delete one.
"""

from __future__ import annotations

from typing import ClassVar

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cainamur.models import RenderedPdf
from cainamur.permissions import OfficeScopedQuerySet
from parcours.models import Parcours


class AttestationCounter(models.Model):
    """The last sequence number used per year (``CAI-ATT-2026-00042``)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur d'attestations")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class AttestationQuerySet(OfficeScopedQuerySet):
    office_lookup = "beneficiary__office"


# Set once, at issue: the triggers refuse any later change.
FROZEN_FIELDS = (
    "number",
    "year",
    "sequence",
    "verification_code",
    "parcours",
    "beneficiary",
    "kind",
    "issued_on",
    "issued_at",
    "issued_by",
    "snapshot",
    "replaces",
    "reissue_reason",
)


class Attestation(RenderedPdf):
    class Status(models.TextChoices):
        VALID = "valid", _("valide")
        SUPERSEDED = "superseded", _("remplacée")
        REVOKED = "revoked", _("révoquée")

    #: Encrypted values inside the snapshot (``manage.py rotate_keys`` re-encrypts them).
    ENCRYPTED_JSON: ClassVar[dict[str, tuple[str, ...]]] = {
        "snapshot": ("national_number_encrypted",)
    }

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField(_("année"))
    sequence = models.PositiveIntegerField(_("numéro d'ordre"))
    verification_code = models.CharField(_("code de vérification"), max_length=12)
    parcours = models.ForeignKey(
        "parcours.Parcours",
        verbose_name=_("parcours"),
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    kind = models.CharField(_("régime du parcours"), max_length=10, choices=Parcours.Kind.choices)
    issued_on = models.DateField(_("délivrée le"))
    issued_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("délivrée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    snapshot = models.JSONField(_("contenu"))
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.VALID
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("remplace"),
        on_delete=models.PROTECT,
        related_name="replaced_by",
        null=True,
        blank=True,
    )
    reissue_reason = models.TextField(_("motif de la réédition"), max_length=1000, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoquée par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revocation_reason = models.TextField(_("motif de la révocation"), max_length=1000, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="attestations/%Y/", blank=True)

    objects = AttestationQuerySet.as_manager()

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ("-issued_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="attestation_year_sequence"),
            models.UniqueConstraint(
                fields=["parcours"],
                condition=models.Q(status="valid"),
                name="attestation_one_valid_per_path",
                violation_error_message=_("Ce parcours a déjà une attestation valide."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="revoked")
                | (models.Q(revoked_at__isnull=False) & ~models.Q(revocation_reason="")),
                name="attestation_revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(replaces__isnull=True) | ~models.Q(reissue_reason=""),
                name="attestation_reissue_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["valid", "superseded", "revoked"]),
                name="attestation_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["obliged", "voluntary"]),
                name="attestation_kind_known",
            ),
        ]
        indexes = [
            models.Index(fields=["beneficiary", "-issued_at"], name="attestation_file"),
            # The register, latest issue date first: a page reads a few days, not the year.
            models.Index(fields=["-issued_on"], name="attestation_register_order"),
        ]
        triggers = [
            pgtrigger.Protect(name="attestation_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.ReadOnly(name="attestation_content_frozen", fields=list(FROZEN_FIELDS)),
            # valid → superseded or revoked, and never back.
            pgtrigger.Protect(
                name="attestation_status_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status__in=["superseded", "revoked"])
                & pgtrigger.Q(new__status__df=pgtrigger.F("old__status")),
            ),
            # The stored PDF, once there, is the one issued.
            pgtrigger.Protect(
                name="attestation_pdf_final",
                operation=pgtrigger.Update,
                condition=~pgtrigger.Q(old__pdf_sha256="")
                & (
                    pgtrigger.Q(new__pdf_sha256__df=pgtrigger.F("old__pdf_sha256"))
                    | pgtrigger.Q(new__pdf__df=pgtrigger.F("old__pdf"))
                    | pgtrigger.Q(new__pdf_status__df=pgtrigger.F("old__pdf_status"))
                ),
            ),
            # Who revoked it, when and why, once recorded.
            pgtrigger.Protect(
                name="attestation_revocation_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status="revoked")
                & (
                    pgtrigger.Q(new__revoked_at__df=pgtrigger.F("old__revoked_at"))
                    | pgtrigger.Q(new__revoked_by__df=pgtrigger.F("old__revoked_by"))
                    | pgtrigger.Q(new__revocation_reason__df=pgtrigger.F("old__revocation_reason"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def holder_initials(self) -> str:
        return str(self.snapshot.get("initials", ""))
