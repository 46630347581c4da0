"""A non-compliance file (« dossier de manquement »): the breach, the report prepared for
the Region's sanctioning officer (frozen when sent), and the outcome. Nothing here blocks
the path: the person keeps their rights (docs/domain.md, « Non-compliance »)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from compliance import rules


class NonCompliance(models.Model):
    class Kind(models.TextChoices):
        PRESENTATION = rules.PRESENTATION, _("Pas présenté·e dans le délai")
        ATTESTATION = rules.ATTESTATION, _("Pas d'attestation dans le délai")
        ABSENCES = rules.ABSENCES, _("Deux absences sans motif valable aux évaluations")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("en attente")
        NO_FOLLOW_UP = "no_follow_up", _("sans suite")
        WARNING = "warning", _("avertissement")
        FINE = "fine", _("amende administrative")
        APPEAL = "appeal", _("recours introduit")

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="noncompliances",
    )
    kind = models.CharField(_("manquement"), max_length=20, choices=Kind.choices)
    breach_on = models.DateField(_("constaté à partir du"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("ouvert le"), auto_now_add=True)
    # The report as sent (frozen): what the sanctioning officer received.
    report = models.JSONField(_("rapport envoyé"), default=dict, blank=True)
    sent_on = models.DateField(_("rapport envoyé le"), null=True, blank=True)
    sent_to = models.CharField(_("envoyé à"), max_length=200, blank=True)
    sent_reference = models.CharField(
        _("preuve d'envoi"),
        max_length=100,
        blank=True,
        help_text=_("Numéro du recommandé, référence du courrier ou de l'e-mail."),
    )
    outcome = models.CharField(
        _("suite"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_on = models.DateField(_("décision du"), null=True, blank=True)
    fine_amount = models.DecimalField(
        _("montant de l'amende (€)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    outcome_note = models.TextField(_("note sur la suite"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("dossier de manquement")
        verbose_name_plural = _("dossiers de manquement")
        ordering = ("-breach_on", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "kind", "breach_on"],
                name="noncompliance_once_per_breach",
                violation_error_message=_("Ce manquement a déjà son dossier."),
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="fine") | models.Q(fine_amount__isnull=False),
                name="noncompliance_fine_has_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="pending") | models.Q(outcome_on__isnull=False),
                name="noncompliance_outcome_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.breach_on:%d/%m/%Y})"

    @property
    def stage(self) -> str:
        """Where the file stands, in words."""
        if self.outcome != self.Outcome.PENDING:
            return str(self.get_outcome_display())
        if self.sent_on is not None:
            return str(_("rapport envoyé, décision attendue"))
        return str(_("rapport à préparer"))
