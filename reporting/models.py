"""Activity reports generated for the Region and the board: the parameters they were
asked with, their progress while a task builds them, and their two files (PDF, XLSX)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityReport(models.Model):
    """One report: figures of a period and scope as they leave the centre (small counts
    hidden), built by ``reporting.tasks.build_activity_report``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        RUNNING = "running", _("en préparation")
        READY = "ready", _("prêt")
        FAILED = "failed", _("échec")

    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    period_kind = models.CharField(_("type de période"), max_length=10)
    period_label = models.CharField(_("période"), max_length=80)
    scope_label = models.CharField(_("périmètre"), max_length=400, blank=True)
    #: The dashboard's query parameters (period and filters, ids and codes only).
    parameters = models.JSONField(_("paramètres"), default=list)
    #: The Filters the figures use (reporting.scope), as a dictionary.
    filters = models.JSONField(_("filtres"), default=dict)
    offices = ArrayField(
        models.PositiveIntegerField(), verbose_name=_("bureaux"), null=True, blank=True
    )
    small_cell = models.PositiveSmallIntegerField(_("seuil des petits effectifs"))
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    step = models.CharField(_("étape"), max_length=120, blank=True)
    error = models.CharField(_("erreur"), max_length=500, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField(_("classeur"), upload_to="reports/%Y/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    seconds = models.FloatField(_("durée (secondes)"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapport d'activité")
        verbose_name_plural = _("rapports d'activité")
        ordering = ("-requested_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="activity_report_progress_percent"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="activity_report_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_label} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)
