from __future__ import annotations

from datetime import date
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cainamur.lib import plausible
from cainamur.models import RenderedPdf
from cainamur.uploads import DocumentFileField
from parcours import path_rules, rules


class RulesConfig(models.Model):
    """The configurable parts of the obligation rules (docs/domain.md), one row, edited in the
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
    fine_min = models.DecimalField(
        _("amende administrative minimale (€)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("100"),
        help_text=_("Montant le plus bas qu'une décision de sanction peut fixer."),
    )
    fine_max = models.DecimalField(
        _("amende administrative maximale (€)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("2500"),
        help_text=_("Montant le plus haut qu'une décision de sanction peut fixer."),
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


#: What a role without the health permission reads for any exemption.
EXEMPTION_WITHHELD = _(
    "Dispense prouvée : son motif est réservé à l'accompagnement (CRWASS, art. 238 et suivants)."
)


class ObligationAssessment(models.Model):
    """One run of the obligation rules on a file: its inputs, its result, when and by whom.

    Kept forever (never edited): the file shows the latest; the others are its history.
    """

    class Status(models.TextChoices):
        OBLIGED = rules.OBLIGED, _("Obligé·e")
        EXEMPT = rules.EXEMPT, _("Dispensé·e")
        NOT_CONCERNED = rules.NOT_CONCERNED, _("Non concerné·e")
        INCOMPLETE = rules.INCOMPLETE, _("À compléter")

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
    # When incomplete: the facts the rules needed and did not get (PersonFacts field names).
    missing = ArrayField(models.CharField(max_length=40), default=list, blank=True)
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

    @property
    def missing_labels(self) -> list[str]:
        return [rules.MISSING_LABELS.get(name, name) for name in self.missing]

    def reason_labels(self, *, include_medical: bool) -> list[str]:
        """Plain-French reasons. Without the health permission every exemption reads the
        same (naming only the medical one would name it too)."""
        labels: list[str] = []
        for reason in self.reasons:
            if reason in rules.EXEMPTION_REASONS and not include_medical:
                uniform = str(EXEMPTION_WITHHELD)
                if uniform not in labels:
                    labels.append(uniform)
            else:
                labels.append(rules.REASON_LABELS[reason])
        return labels


#: Paths whose deadlines run (open, not suspended): the work queue follows them.
RUNNING_PATH_STATUSES = ["completed", "convention_signed", "in_progress", "welcome"]


class Parcours(models.Model):
    """One person's integration path, from the welcome module to the attestation."""

    class Kind(models.TextChoices):
        OBLIGED = "obliged", _("Obligatoire")
        VOLUNTARY = "voluntary", _("Volontaire")

    class Status(models.TextChoices):
        WELCOME = "welcome", _("Module d'accueil")
        CONVENTION_SIGNED = "convention_signed", _("Convention signée")
        IN_PROGRESS = "in_progress", _("En cours")
        COMPLETED = "completed", _("Terminé")
        ATTESTATION_ISSUED = "attestation_issued", _("Attestation délivrée")
        EXEMPTED = "exempted", _("Dispensé")
        SUSPENDED = "suspended", _("Suspendu")
        ABANDONED = "abandoned", _("Abandonné")
        TRANSFERRED = "transferred", _("Transféré hors province")

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="paths",
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.WELCOME
    )
    resume_status = models.CharField(
        _("statut à la reprise"),
        max_length=20,
        choices=Status.choices,
        blank=True,
        help_text=_("Pendant une suspension : le statut que le parcours retrouvera."),
    )
    opened_on = models.DateField(_("ouvert le"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ouvert par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_on = models.DateField(_("clos le"), null=True, blank=True)
    regime = models.CharField(_("régime"), max_length=4, blank=True)
    presentation_deadline = models.DateField(
        _("présentation au CRI avant le"), null=True, blank=True
    )
    attestation_deadline = models.DateField(_("attestation avant le"), null=True, blank=True)

    class Meta:
        verbose_name = _("parcours")
        verbose_name_plural = _("parcours")
        ordering = ("-opened_on", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=models.Q(
                    status__in=[
                        "welcome",
                        "convention_signed",
                        "in_progress",
                        "completed",
                        "suspended",
                    ]
                ),
                name="parcours_one_open_per_file",
                violation_error_message=_("Ce dossier a déjà un parcours ouvert."),
            ),
        ]
        # The work queue reads the running paths of obliged people in the order of their
        # deadlines (parcours.selectors.work_queue): a few rows, not every open path.
        indexes = [
            models.Index(
                fields=["attestation_deadline", "id"],
                condition=models.Q(kind="obliged", status__in=RUNNING_PATH_STATUSES),
                name="parcours_attestation_due",
            ),
            models.Index(
                fields=["presentation_deadline", "id"],
                condition=models.Q(kind="obliged", status__in=RUNNING_PATH_STATUSES),
                name="parcours_presentation_due",
            ),
            # A caseworker's or an office's running paths, from the index alone.
            models.Index(
                fields=["beneficiary"],
                include=["id"],
                condition=models.Q(status__in=RUNNING_PATH_STATUSES),
                name="parcours_running_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_status_display()}"


# Status groups and the allowed changes of a path, in one place (services enforce them).
#: A convention is signed (hours, amendments, operators); « completed » until the attestation.
UNDER_CONVENTION = frozenset(
    {
        Parcours.Status.CONVENTION_SIGNED,
        Parcours.Status.IN_PROGRESS,
        Parcours.Status.COMPLETED,
    }
)
#: Still running: what is missing for the attestation is worth saying.
RUNNING = frozenset({Parcours.Status.CONVENTION_SIGNED, Parcours.Status.IN_PROGRESS})
#: The welcome module can still be edited.
WELCOME_EDITABLE = frozenset({Parcours.Status.WELCOME, *RUNNING})
#: A convention (or an amendment) can be signed.
SIGNABLE = frozenset({Parcours.Status.WELCOME, *UNDER_CONVENTION})
OPEN_STATUSES = frozenset(
    {
        Parcours.Status.WELCOME,
        Parcours.Status.CONVENTION_SIGNED,
        Parcours.Status.IN_PROGRESS,
        Parcours.Status.COMPLETED,
        Parcours.Status.SUSPENDED,
    }
)

#: Allowed status changes, in one place.
TRANSITIONS: dict[str, frozenset[str]] = {
    Parcours.Status.WELCOME: frozenset(
        {
            Parcours.Status.CONVENTION_SIGNED,
            Parcours.Status.EXEMPTED,
            Parcours.Status.SUSPENDED,
            Parcours.Status.ABANDONED,
            Parcours.Status.TRANSFERRED,
        }
    ),
    Parcours.Status.CONVENTION_SIGNED: frozenset(
        {
            Parcours.Status.IN_PROGRESS,
            Parcours.Status.EXEMPTED,
            Parcours.Status.SUSPENDED,
            Parcours.Status.ABANDONED,
            Parcours.Status.TRANSFERRED,
        }
    ),
    Parcours.Status.IN_PROGRESS: frozenset(
        {
            Parcours.Status.COMPLETED,
            Parcours.Status.EXEMPTED,
            Parcours.Status.SUSPENDED,
            Parcours.Status.ABANDONED,
            Parcours.Status.TRANSFERRED,
        }
    ),
    Parcours.Status.COMPLETED: frozenset(
        {
            Parcours.Status.ATTESTATION_ISSUED,
            Parcours.Status.IN_PROGRESS,
        }
    ),
    Parcours.Status.SUSPENDED: frozenset(
        {
            Parcours.Status.WELCOME,
            Parcours.Status.CONVENTION_SIGNED,
            Parcours.Status.IN_PROGRESS,
            Parcours.Status.ABANDONED,
            Parcours.Status.TRANSFERRED,
        }
    ),
    # Back to "completed" only when its attestation is revoked.
    Parcours.Status.ATTESTATION_ISSUED: frozenset({Parcours.Status.COMPLETED}),
    Parcours.Status.EXEMPTED: frozenset(),
    Parcours.Status.ABANDONED: frozenset(),
    Parcours.Status.TRANSFERRED: frozenset(),
}
CLOSING = frozenset(
    {
        Parcours.Status.ATTESTATION_ISSUED,
        Parcours.Status.EXEMPTED,
        Parcours.Status.ABANDONED,
        Parcours.Status.TRANSFERRED,
    }
)


class FrenchLevel(models.TextChoices):
    BELOW_A1 = "below_a1", _("Inférieur à A1")
    A1 = "a1", _("A1")
    A2_PLUS = "a2_plus", _("A2 ou plus")
    NOT_NEEDED = "not_needed", _("Test non nécessaire (francophone)")


class WelcomeModule(models.Model):
    """The welcome module at the CRI: social assessment, rights and duties, French test."""

    parcours = models.OneToOneField(
        Parcours, verbose_name=_("parcours"), on_delete=models.CASCADE, related_name="welcome"
    )
    social_assessment_on = models.DateField(_("bilan social le"), null=True, blank=True)
    needs = models.TextField(_("besoins relevés"), blank=True)
    wants_orientation = models.BooleanField(
        _("besoin d'orientation socioprofessionnelle"),
        default=False,
        help_text=_("Emploi, formation, équivalence de diplôme… relevés au bilan social."),
    )
    rights_duties_on = models.DateField(_("séance droits et devoirs le"), null=True, blank=True)
    french_test_on = models.DateField(_("test de français le"), null=True, blank=True)
    french_level = models.CharField(
        _("niveau de français"), max_length=10, choices=FrenchLevel.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("module d'accueil")
        verbose_name_plural = _("modules d'accueil")

    def __str__(self) -> str:
        return str(_("Module d'accueil"))

    def clean(self) -> None:
        today = timezone.localdate()
        errors = {
            name: problem
            for name in ("social_assessment_on", "rights_duties_on", "french_test_on")
            if (problem := plausible.past_or_today(getattr(self, name), today=today))
        }
        if errors:
            raise ValidationError(errors)

    @property
    def is_complete(self) -> bool:
        french_done = bool(self.french_test_on) or self.french_level == FrenchLevel.NOT_NEEDED
        return bool(self.social_assessment_on and self.rights_duties_on and french_done)


class AxisKind(models.TextChoices):
    # The official names (docs/domain.md, « The path »).
    CITIZENSHIP = "citizenship", _("Formation à la citoyenneté")
    FRENCH = "french", _("Formation à la langue française")
    ORIENTATION = "orientation", _("Orientation socioprofessionnelle")


def convention_date_problems(
    *, signed_on: date | None, start_on: date | None, today: date
) -> dict[str, str]:
    """A convention is signed on a day that has come, and starts within a year of it
    (the model's ``clean`` and the signing form)."""
    errors: dict[str, str] = {}
    if problem := plausible.past_or_today(signed_on, today=today):
        errors["signed_on"] = problem
    if problem := plausible.within_a_year(start_on, signed_on):
        errors["start_on"] = problem
    return errors


class Convention(RenderedPdf):
    """The convention signed by the CRI and the person; an amendment is a new version."""

    parcours = models.ForeignKey(
        Parcours,
        verbose_name=_("parcours"),
        on_delete=models.PROTECT,
        related_name="conventions",
    )
    version = models.PositiveSmallIntegerField(_("version"))
    start_on = models.DateField(_("début"))
    signed_on = models.DateField(_("signée le"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signée pour le CRI par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    citizenship_hours = models.DecimalField(
        _("heures de citoyenneté"),
        max_digits=6,
        decimal_places=2,
        default=path_rules.CITIZENSHIP_HOURS,
    )
    french_required = models.BooleanField(_("français requis"), default=True)
    french_hours = models.DecimalField(
        _("heures de français"), max_digits=6, decimal_places=2, default=path_rules.FRENCH_HOURS
    )
    orientation_required = models.BooleanField(_("orientation requise"), default=False)
    orientation_hours = models.DecimalField(
        _("heures d'orientation"),
        max_digits=6,
        decimal_places=2,
        default=path_rules.ORIENTATION_HOURS,
    )
    amendment_reason = models.TextField(_("motif de l'avenant"), blank=True)
    # What the convention says, frozen at its signature (parcours.documents.convention_freeze).
    snapshot = models.JSONField(_("contenu"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="conventions/%Y/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(fields=["parcours", "version"], name="convention_version"),
            models.CheckConstraint(
                condition=models.Q(
                    citizenship_hours__gt=0, french_hours__gte=0, orientation_hours__gte=0
                ),
                name="convention_hours_positive",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="convention_snapshot_frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.snapshot <> '{}'::jsonb AND NEW.snapshot IS DISTINCT FROM OLD.snapshot"
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Convention v%(version)s") % {"version": self.version})

    def clean(self) -> None:
        errors = convention_date_problems(
            signed_on=self.signed_on, start_on=self.start_on, today=timezone.localdate()
        )
        if errors:
            raise ValidationError(errors)

    def required_hours(self) -> dict[str, Decimal]:
        hours = {AxisKind.CITIZENSHIP.value: self.citizenship_hours}
        if self.french_required:
            hours[AxisKind.FRENCH.value] = self.french_hours
        if self.orientation_required:
            hours[AxisKind.ORIENTATION.value] = self.orientation_hours
        return hours


class Axis(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Pas commencé")
        IN_PROGRESS = "in_progress", _("En cours")
        COMPLETED = "completed", _("Terminé")
        NOT_REQUIRED = "not_required", _("Non requis")

    parcours = models.ForeignKey(
        Parcours, verbose_name=_("parcours"), on_delete=models.PROTECT, related_name="axes"
    )
    kind = models.CharField(_("axe"), max_length=20, choices=AxisKind.choices)
    required_hours = models.DecimalField(_("heures requises"), max_digits=6, decimal_places=2)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    operator = models.CharField(_("opérateur"), max_length=200, blank=True)
    started_on = models.DateField(_("commencé le"), null=True, blank=True)
    completed_on = models.DateField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=["parcours", "kind"], name="axis_once_per_path"),
        ]
        indexes = [
            # The work queue: running axes in the order they started (their deadlines).
            models.Index(
                fields=["kind", "started_on", "parcours"],
                condition=models.Q(status__in=["not_started", "in_progress"]),
                name="axis_running_start",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class HoursEntry(models.Model):
    """One line of an axis's hours ledger. Never edited nor deleted (database trigger): a
    correction is a new line, negative if need be."""

    class Source(models.TextChoices):
        CASEWORKER = "caseworker", _("Saisie CRI")
        OPERATOR = "operator", _("Opérateur")
        CORRECTION = "correction", _("Correction")

    axis = models.ForeignKey(
        Axis, verbose_name=_("axe"), on_delete=models.PROTECT, related_name="hours"
    )
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("heures"), max_digits=6, decimal_places=2)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("heures")
        verbose_name_plural = _("registre des heures")
        ordering = ("on", "id")
        constraints = [
            models.CheckConstraint(condition=~models.Q(hours=0), name="hours_entry_not_zero"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="hours_ledger_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on:%d/%m/%Y} {self.hours} h"


class DeadlineKind(models.TextChoices):
    PRESENTATION = "presentation", _("Présentation au CRI")
    CITIZENSHIP = "citizenship", _("Formation à la citoyenneté")
    FRENCH = "french", _("Français")
    ATTESTATION = "attestation", _("Attestation")


class Extension(models.Model):
    """A deadline extended by decision of the Walloon minister (the convention with it)."""

    parcours = models.ForeignKey(
        Parcours,
        verbose_name=_("parcours"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    deadline = models.CharField(_("échéance"), max_length=20, choices=DeadlineKind.choices)
    decided_on = models.DateField(_("décision du"))
    new_end_on = models.DateField(_("nouvelle échéance"))
    reason = models.TextField(_("motif"))
    document = DocumentFileField(_("décision (document)"), folder="extensions", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("prorogation")
        verbose_name_plural = _("prorogations")
        ordering = ("decided_on", "id")

    def __str__(self) -> str:
        return f"{self.get_deadline_display()} → {self.new_end_on:%d/%m/%Y}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if problem := plausible.past_or_today(self.decided_on, today=timezone.localdate()):
            errors["decided_on"] = problem
        if problem := plausible.after(
            self.new_end_on,
            self.decided_on,
            message=str(_("La nouvelle échéance doit suivre la date de la décision.")),
        ):
            errors["new_end_on"] = problem
        if errors:
            raise ValidationError(errors)


class Suspension(models.Model):
    """A period during which deadlines stop running: for one path, or for everyone
    (no path: e.g. 18 March to 30 April 2020)."""

    parcours = models.ForeignKey(
        Parcours,
        verbose_name=_("parcours"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suspensions",
        help_text=_("Vide : suspension générale, pour tous."),
    )
    start_on = models.DateField(_("du"))
    end_on = models.DateField(_("au (inclus)"))
    reason = models.TextField(_("motif"), max_length=300)

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ("start_on",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__gte=models.F("start_on")),
                name="suspension_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_on:%d/%m/%Y} – {self.end_on:%d/%m/%Y}"


class Evaluation(models.Model):
    """The evaluation interview, at least every six months."""

    parcours = models.ForeignKey(
        Parcours,
        verbose_name=_("parcours"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    due_on = models.DateField(_("prévue au plus tard le"))
    held_on = models.DateField(_("tenue le"), null=True, blank=True)
    attended = models.BooleanField(_("présent·e"), null=True, blank=True)
    absence_justified = models.BooleanField(
        _("absence justifiée"),
        null=True,
        blank=True,
        help_text=_(
            "Pour une absence : un motif valable (maladie, force majeure) ou non. Deux "
            "absences sans motif valable ouvrent un dossier de manquement."
        ),
    )
    absences = models.TextField(_("absences et motifs"), blank=True)
    programme_changes = models.TextField(_("changements de programme"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("entretien d'évaluation")
        verbose_name_plural = _("entretiens d'évaluation")
        ordering = ("due_on", "id")
        indexes = [
            # The work queue: evaluations not held yet, by due date.
            models.Index(
                fields=["due_on", "parcours"],
                condition=models.Q(held_on__isnull=True),
                name="evaluation_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Évaluation du %(date)s") % {"date": f"{self.due_on:%d/%m/%Y}"})

    def clean(self) -> None:
        if problem := plausible.past_or_today(self.held_on, today=timezone.localdate()):
            raise ValidationError({"held_on": problem})

    @property
    def presence_label(self) -> str:
        """Present, absent with a valid reason, or absent without one."""
        if self.attended:
            return str(_("présent·e"))
        if self.absence_justified:
            return str(_("absent·e, motif valable"))
        return str(_("absent·e sans motif valable"))


class EvaluationInvitation(models.Model):
    """Every invitation to an evaluation interview, kept as evidence (a registered letter
    with its number, an e-mail, an SMS, in person): the Region's sanctioning officer asks
    for them (docs/domain.md, « Non-compliance »)."""

    class Channel(models.TextChoices):
        REGISTERED_LETTER = "registered_letter", _("lettre recommandée")
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        IN_PERSON = "in_person", _("en personne")

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("entretien"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    channel = models.CharField(_("canal"), max_length=20, choices=Channel.choices)
    sent_on = models.DateField(_("envoyée le"))
    proof_number = models.CharField(
        _("numéro du recommandé"),
        max_length=40,
        blank=True,
        help_text=_("Pour une lettre recommandée : le numéro du récépissé de La Poste."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation à l'entretien d'évaluation")
        verbose_name_plural = _("invitations aux entretiens d'évaluation")
        ordering = ("sent_on", "id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(channel="registered_letter") | ~models.Q(proof_number=""),
                name="invitation_registered_letter_has_number",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="invitations_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} ({self.sent_on:%d/%m/%Y})"

    def clean(self) -> None:
        if problem := plausible.past_or_today(self.sent_on, today=timezone.localdate()):
            raise ValidationError({"sent_on": problem})


class ForceMajeure(models.Model):
    """« Force majeure dûment attestée »: a period during which the person could not
    present to the centre, with its document. It stops the presentation clock (the
    presentation deadline moves by its days); nothing else moves (docs/domain.md).
    Append-only: a mistake is corrected by the administrator."""

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="force_majeure",
    )
    start_on = models.DateField(_("du"))
    end_on = models.DateField(_("au (inclus)"))
    reason = models.TextField(
        _("motif"), help_text=_("Visible seulement des rôles qui voient les données de santé.")
    )
    document = DocumentFileField(_("attestation (document)"), folder="force-majeure")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("force majeure")
        verbose_name_plural = _("forces majeures")
        ordering = ("start_on", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__gte=models.F("start_on")),
                name="force_majeure_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_on:%d/%m/%Y} – {self.end_on:%d/%m/%Y}"

    def clean(self) -> None:
        """It began on a day that has come, ends after it within a year, and covers days
        after the arrival in Wallonia (the end may be ahead: a certificate until then)."""
        errors: dict[str, str] = {}
        start, end = self.start_on, self.end_on
        if problem := plausible.past_or_today(start, today=timezone.localdate()):
            errors["start_on"] = problem
        arrived = self.beneficiary.first_registration_on if self.beneficiary_id else None
        problem = (
            plausible.after(end, start, message=str(_("La fin précède le début.")), strict=False)
            or plausible.within_a_year(end, start)
            or plausible.after(
                end,
                arrived,
                message=_(
                    "La force majeure doit couvrir des jours après l'arrivée en Wallonie "
                    "(le %(date)s) : vérifiez les dates."
                )
                % {"date": f"{arrived:%d/%m/%Y}" if arrived else ""},
                strict=False,
            )
        )
        if problem:
            errors["end_on"] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def period(self) -> path_rules.Period:
        return path_rules.Period(self.start_on, self.end_on)
