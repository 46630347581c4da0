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


class HoursSummary(models.Model):
    """The hours ledger (``parcours.HoursEntry``) added up per axis and calendar month,
    quarter and year, with the axis's kind and operator and the file it belongs to: the
    dashboard's hours are read from here instead of every ledger line. Kept by database
    triggers (migration 0002: every insert, update and delete of a ledger line, a change
    of an axis's kind or operator, a path moved to another file) and rebuilt each night
    (``reporting.tasks.rebuild_summaries``). Ids only, no name."""

    class Grain(models.TextChoices):
        MONTH = "M", _("mois")
        QUARTER = "Q", _("trimestre")
        YEAR = "Y", _("année")

    #: The axis (``parcours.Axis``), by id: the triggers keep these rows, not Django.
    axis = models.BigIntegerField(_("axe"))
    grain = models.CharField(_("découpage"), max_length=1, choices=Grain.choices)
    #: The first day of the month, quarter or year.
    start = models.DateField(_("début"))
    kind = models.CharField(_("type d'axe"), max_length=20)
    operator = models.CharField(_("opérateur"), max_length=200, blank=True)
    #: The file (``beneficiaries.Beneficiary``), by id.
    person = models.BigIntegerField(_("dossier"))
    hours = models.DecimalField(_("heures"), max_digits=12, decimal_places=2)
    #: How many ledger lines: a person with lines in the period counts, even netted to 0.
    lines = models.IntegerField(_("lignes"))

    class Meta:
        verbose_name = _("heures par période")
        verbose_name_plural = _("heures par période")
        constraints = [
            models.UniqueConstraint(
                fields=("axis", "grain", "start"), name="hours_summary_once_per_period"
            ),
        ]
        indexes = [
            # A period's rows in the order the dashboard groups them, with the hours:
            # added up straight from the index (no sort of the year's 100,000 rows).
            models.Index(
                fields=("grain", "start", "kind", "operator", "person"),
                include=("hours",),
                name="hours_summary_grouped",
            )
        ]

    def __str__(self) -> str:
        return f"{self.axis} {self.grain} {self.start}"


class FileFacts(models.Model):
    """What the dashboard counts of each file, in a narrow row (the files' table is wide:
    reading it whole took most of the dashboard's time): the file's office, commune,
    caseworker, sex, nationality, birth date, opening, first contact, presentation
    deadline and obligation outcome, its latest assessment's exemption reasons, and how
    far it has gone to this day (a path opened, a welcome module complete, a convention
    signed, an attestation issued: the funnel). The fields are named as the file's, so
    that the dashboard's filters (``reporting.scope``) read both alike.

    Kept by database triggers (migration 0005: every write of the files, assessments,
    paths, welcome modules, conventions and attestations) and rebuilt each night
    (``reporting.tasks.rebuild_summaries``). No name, no number, no contact."""

    beneficiary = models.OneToOneField(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the triggers remove the row with the file
        db_constraint=False,
        related_name="+",
    )
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("bureau"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    commune = models.ForeignKey(
        "beneficiaries.Commune",
        verbose_name=_("commune"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("référent·e"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    sex = models.CharField(_("sexe"), max_length=1)
    nationality = models.CharField(_("nationalité"), max_length=2)
    birth_date = models.DateField(_("date de naissance"))
    created_at = models.DateTimeField(_("créé le"))
    presented_on = models.DateField(_("présenté·e le"), null=True)
    presentation_deadline = models.DateField(_("se présenter avant le"), null=True)
    obligation_status = models.CharField(_("obligation"), max_length=20)
    #: The reasons of the file's latest assessment (those of an exemption).
    exemption_reasons = ArrayField(
        models.CharField(max_length=40), verbose_name=_("motifs"), default=list
    )
    path = models.BooleanField(_("parcours ouvert"), default=False)
    welcome = models.BooleanField(_("module d'accueil terminé"), default=False)
    convention = models.BooleanField(_("convention signée"), default=False)
    attestation = models.BooleanField(_("attestation délivrée"), default=False)

    class Meta:
        verbose_name = _("faits d'un dossier (pilotage)")
        verbose_name_plural = _("faits des dossiers (pilotage)")

    def __str__(self) -> str:
        return str(self.pk)


class AppointmentDay(models.Model):
    """Individual appointments with a file, counted per day they start (in Brussels),
    office of the file, type, interpreter language and status: the dashboard's
    appointments for the whole centre or some offices are read from here instead of
    every appointment. Kept by database triggers (migration 0004: every write of an
    appointment, a file moved to another office) and rebuilt each night
    (``reporting.tasks.rebuild_summaries``). Counts only."""

    day = models.DateField(_("jour"))
    #: The office of the file (``offices.Office``), by id.
    office = models.BigIntegerField(_("bureau"))
    #: The appointment type (``appointments.AppointmentType``), by id.
    type = models.BigIntegerField(_("type"))
    interpreter_language = models.CharField(_("langue de l'interprète"), max_length=3)
    status = models.CharField(_("état"), max_length=10)
    appointments = models.IntegerField(_("rendez-vous"))

    class Meta:
        verbose_name = _("rendez-vous par jour")
        verbose_name_plural = _("rendez-vous par jour")
        constraints = [
            models.UniqueConstraint(
                fields=("day", "office", "type", "interpreter_language", "status"),
                name="appointment_day_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.office} {self.type} {self.status}"
