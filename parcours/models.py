from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours import rules


class RulesConfig(models.Model):
    """The configurable parts of the obligation rules (DOMAIN.md), one row, edited in the
    admin. Changes apply to the next assessments; past ones keep the values they used."""

    regime_2024_start = models.DateField(
        _("début du régime 2024"),
        default=rules.DEFAULT_REGIME_2024_START,
        help_text=_("Les titres commandés à partir de cette date ont 3 ans pour l'attestation."),
    )
    standstill_nationalities = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("nationalités « standstill » (dispensées)"),
        default=list,
        help_text=_("Codes ISO à deux lettres, séparés par des virgules (par défaut : TR)."),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("paramètres de l'obligation")
        verbose_name_plural = _("paramètres de l'obligation")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="rulesconfig_single_row"),
        ]

    def __str__(self) -> str:
        return str(_("Paramètres de l'obligation"))

    @classmethod
    def current(cls) -> RulesConfig:
        defaults = {"standstill_nationalities": sorted(rules.DEFAULT_STANDSTILL_NATIONALITIES)}
        config, _created = cls.objects.get_or_create(id=1, defaults=defaults)
        return config


class ObligationAssessment(models.Model):
    """One run of the obligation rules on a file: its inputs, its result, when and by whom.

    Kept forever (never edited): the file shows the latest; the others are its history.
    """

    class Status(models.TextChoices):
        OBLIGED = rules.OBLIGED, _("Obligé·e")
        EXEMPT = rules.EXEMPT, _("Dispensé·e")
        NOT_CONCERNED = rules.NOT_CONCERNED, _("Non concerné·e")

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    assessed_on = models.DateField(_("évalué pour le"))
    assessed_at = models.DateTimeField(_("évalué le"), auto_now_add=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    trigger = models.CharField(_("motif de l'évaluation"), max_length=200, blank=True)
    facts = models.JSONField(_("faits"))
    regime_2024_start = models.DateField(_("début du régime 2024 appliqué"))
    standstill_nationalities = ArrayField(models.CharField(max_length=2), default=list)
    status = models.CharField(_("résultat"), max_length=20, choices=Status.choices)
    reasons = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    regime = models.CharField(_("régime"), max_length=4, blank=True)
    presentation_deadline = models.DateField(_("se présenter au CRI avant le"), null=True)
    attestation_deadline = models.DateField(_("attestation à obtenir avant le"), null=True)

    class Meta:
        verbose_name = _("évaluation de l'obligation")
        verbose_name_plural = _("évaluations de l'obligation")
        ordering = ("-assessed_at", "-id")
        indexes = [models.Index(fields=["beneficiary", "-assessed_at"], name="assessment_latest")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.assessed_on:%d/%m/%Y})"

    @property
    def outcome_label(self) -> str:
        return rules.STATUS_LABELS[self.status]

    def reason_labels(self, *, include_medical: bool) -> list[str]:
        """Plain-French reasons; the medical one only for roles allowed health data."""
        labels = []
        for reason in self.reasons:
            if reason == rules.MEDICAL and not include_medical:
                labels.append(str(_("Motif confidentiel (réservé à l'accompagnement).")))
            else:
                labels.append(rules.REASON_LABELS[reason])
        return labels
