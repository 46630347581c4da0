"""Data-subject rights (GDPR art. 15, 17, 5(1)(e)): retention periods set by the
administrators, legal holds that suspend them, the record of each anonymisation and of
each retention run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordType(models.TextChoices):
    CLOSED_FILE = "closed_file", _("Dossiers clos (après l'attestation ou la clôture)")
    UNFOLLOWED_FILE = (
        "unfollowed_file",
        _(
            "Inscriptions sans parcours (non concerné·e, dispensé·e, à compléter) ou parcours "
            "abandonné"
        ),
    )
    APPOINTMENT = "appointment", _("Rendez-vous")
    CALLBACK = "callback", _("Demandes de rappel")
    TICKET = "ticket", _("Tickets de permanence")
    READ_LOG = "read_log", _("Journal des consultations")


#: The periods the centre starts with (months); administrators change them in the admin.
DEFAULT_MONTHS: dict[str, int] = {
    RecordType.CLOSED_FILE: 120,
    RecordType.UNFOLLOWED_FILE: 12,
    RecordType.APPOINTMENT: 24,
    RecordType.CALLBACK: 24,
    RecordType.TICKET: 24,
    RecordType.READ_LOG: 60,
}


class RetentionRule(models.Model):
    record_type = models.CharField(
        _("type de données"), max_length=20, choices=RecordType.choices, unique=True
    )
    months = models.PositiveSmallIntegerField(
        _("durée de conservation (mois)"),
        help_text=_("Passé ce délai, la tâche de nuit anonymise ou supprime ces données."),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("durée de conservation")
        verbose_name_plural = _("durées de conservation")
        ordering = ("record_type",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months__gte=1) & models.Q(months__lte=600),
                name="retention_months_plausible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()} : {self.months} mois"


class LegalHold(models.Model):
    """A file kept whatever its retention period (a dispute, an appeal, a request of a
    court), with its reason; lifted, the period applies again."""

    beneficiary = models.OneToOneField(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="legal_hold",
    )
    reason = models.CharField(_("motif"), max_length=300)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posé par"), on_delete=models.PROTECT
    )
    set_at = models.DateTimeField(_("posé le"), default=timezone.now)

    class Meta:
        verbose_name = _("conservation pour raison légale")
        verbose_name_plural = _("conservations pour raison légale")

    def __str__(self) -> str:
        return str(self.reason)


class Anonymisation(models.Model):
    """A file anonymised: what remains is for statistics only."""

    class Cause(models.TextChoices):
        REQUEST = "request", _("demande de la personne (effacement)")
        RETENTION = "retention", _("durée de conservation écoulée")

    beneficiary = models.OneToOneField(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="anonymisation",
    )
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices)
    at = models.DateTimeField(_("le"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Vide : la tâche de nuit."),
    )

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")

    def __str__(self) -> str:
        return f"{self.beneficiary_id} ({self.get_cause_display()})"


class RetentionRun(models.Model):
    """One pass of the retention task (or its dry run): counts per record type."""

    at = models.DateTimeField(_("le"), default=timezone.now)
    dry_run = models.BooleanField(_("simulation"), default=False)
    counts = models.JSONField(_("nombres"), default=dict)

    class Meta:
        verbose_name = _("passage de conservation")
        verbose_name_plural = _("passages de conservation")
        ordering = ("-at",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"
