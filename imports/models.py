"""Imports: the lists communes send of newly registered foreigners, and the attendance
sheets operators send; each kept as a batch with its file (encrypted at rest, like every
stored file) and its report (each line's outcome, encrypted too: it holds names)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cainamur.crypto import EncryptedTextField


def source_name(_instance: Any, filename: str) -> str:
    """A random name: the name of the person's or the commune's file never reaches the
    disk. The extension is the validated kind (``.csv`` or ``.xlsx``), nothing else."""
    extension = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"imports/{timezone.now():%Y}/{uuid.uuid4().hex}{extension}"


class CommuneMapping(models.Model):
    """How a commune's file names its columns, remembered for its next file: field →
    header as written in the file."""

    commune = models.OneToOneField(
        "beneficiaries.Commune",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    columns = models.JSONField(_("colonnes"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifié par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("colonnes d'une commune")
        verbose_name_plural = _("colonnes des communes")

    def __str__(self) -> str:
        return str(self.commune_id)


class ImportBatch(models.Model):
    """One uploaded file: read, mapped, previewed, then confirmed (all at once) or
    abandoned. Nothing of its rows is written before the confirmation."""

    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Liste communale")
        ATTENDANCE = "attendance", _("Feuille de présence")

    class Status(models.TextChoices):
        MAPPING = "mapping", _("colonnes à choisir")
        PREVIEW = "preview", _("à confirmer")
        DONE = "done", _("importé")
        ABANDONED = "abandoned", _("abandonné")

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.MAPPING
    )
    commune = models.ForeignKey(
        "beneficiaries.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    link = models.ForeignKey(
        "operators.ReportingLink",
        verbose_name=_("lien de l'opérateur"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    #: Written by the upload service once validated as a CSV or XLSX table (imports.forms).
    source = models.FileField(_("fichier"), upload_to=source_name)
    filename = models.CharField(_("nom du fichier"), max_length=200)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    headers = models.JSONField(_("en-têtes"), default=list)
    columns = models.JSONField(_("colonnes choisies"), default=dict)
    rows_total = models.PositiveIntegerField(_("lignes"), default=0)
    new_count = models.PositiveIntegerField(_("nouveaux"), default=0)
    existing_count = models.PositiveIntegerField(_("existants"), default=0)
    error_count = models.PositiveIntegerField(_("erreurs"), default=0)
    created_count = models.PositiveIntegerField(_("créés"), default=0)
    #: Each line's outcome (JSON list), encrypted: it names people.
    report = EncryptedTextField(_("rapport"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importé par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmé par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    seconds = models.FloatField(_("durée (secondes)"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="commune", commune__isnull=False, link__isnull=True)
                    | models.Q(kind="attendance", link__isnull=False)
                ),
                name="import_batch_kind_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%d/%m/%Y}"

    def rows(self) -> list[dict[str, Any]]:
        return list(json.loads(self.report)) if self.report else []
