"""Partner operators and what they offer (the axes of the path they count for)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaries.languages import LANGUAGE_CHOICES
from cainamur.lib.name_order import by_name


class OperatorKind(models.TextChoices):
    ILI = "ili", _("ILI reconnue par la Région")
    PUBLIC = "public", _("pouvoir public")
    SCHOOL = "school", _("école de promotion sociale (FWB)")
    PERMANENT_EDUCATION = "education", _("association d'éducation permanente")
    FOREM = "forem", _("Forem")
    CISP = "cisp", _("CISP")
    OTHER = "other", _("autre")


class Family(models.TextChoices):
    FRENCH = "french", _("français langue étrangère")
    CITIZENSHIP = "citizenship", _("citoyenneté")
    SOCIAL_LEGAL = "social_legal", _("accompagnement social et juridique")
    INTERCULTURALITY = "interculturality", _("interculturalité")
    ISP = "isp", _("réseau d'insertion socioprofessionnelle")


# The path's axes an offer counts for, and social support (outside the axes).
OFFER_AXES = [
    ("citizenship", _("Formation à la citoyenneté")),
    ("french", _("Formation à la langue française")),
    ("orientation", _("Orientation socioprofessionnelle")),
    ("social", _("Accompagnement social (hors axe)")),
]


class Operator(models.Model):
    name = models.CharField(_("nom"), max_length=150, unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=OperatorKind.choices)
    families = ArrayField(
        models.CharField(max_length=20, choices=Family.choices),
        verbose_name=_("familles"),
        default=list,
    )
    recognition = models.CharField(_("référence d'agrément"), max_length=80, blank=True)
    contact_name = models.CharField(_("personne de contact"), max_length=150, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    communes = models.ManyToManyField(
        "beneficiaries.Commune", verbose_name=_("sites (communes)"), blank=True, related_name="+"
    )
    languages = ArrayField(
        models.CharField(max_length=3, choices=LANGUAGE_CHOICES),
        verbose_name=_("langues"),
        default=list,
        blank=True,
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("opérateur")
        verbose_name_plural = _("opérateurs")
        ordering = by_name("name")

    def __str__(self) -> str:
        return self.name


class Offer(models.Model):
    """What an operator provides (a French course, a citizenship training...), the axis it
    counts for, where, when, and how many places."""

    operator = models.ForeignKey(
        Operator, verbose_name=_("opérateur"), on_delete=models.PROTECT, related_name="offers"
    )
    title = models.CharField(_("intitulé"), max_length=200)
    axis = models.CharField(_("axe du parcours"), max_length=20, choices=OFFER_AXES)
    level = models.CharField(_("niveau"), max_length=20, blank=True)
    languages = ArrayField(
        models.CharField(max_length=3, choices=LANGUAGE_CHOICES),
        verbose_name=_("langues"),
        default=list,
        blank=True,
    )
    communes = models.ManyToManyField(
        "beneficiaries.Commune", verbose_name=_("lieux (communes)"), related_name="+"
    )
    schedule = models.CharField(_("horaire"), max_length=200, blank=True)
    hours = models.DecimalField(_("heures"), max_digits=6, decimal_places=2, null=True, blank=True)
    start_on = models.DateField(_("début"), null=True, blank=True)
    end_on = models.DateField(_("fin"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"))
    taken = models.PositiveSmallIntegerField(
        _("places occupées"),
        default=0,
        help_text=_("Tenu à jour par les inscriptions (orientations « inscrit·e »)."),
    )
    is_active = models.BooleanField(_("proposée"), default=True)

    class Meta:
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        ordering = ("axis", "start_on", "title")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(taken__lte=models.F("capacity")),
                name="offer_not_overbooked",
                violation_error_message=_("Plus de places occupées que de places."),
            ),
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True)
                | models.Q(start_on__isnull=True)
                | models.Q(end_on__gte=models.F("start_on")),
                name="offer_ends_after_start",
                violation_error_message=_("La fin doit suivre le début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.operator}"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.taken)


OCCUPYING = ("enrolled", "in_progress")  # statuses that hold a place in the offer


class Orientation(models.Model):
    """A person oriented to an offer, from the proposal to the end of the training. Every
    change is kept in the audit trail (``cainamur.audit``): a waiting list and each « no
    place available » are the evidence that protects an obliged person when no place could
    be offered."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposée")
        WAITING = "waiting", _("liste d'attente")
        ENROLLED = "enrolled", _("inscrit·e")
        IN_PROGRESS = "in_progress", _("en cours")
        COMPLETED = "completed", _("terminée")
        DROPPED = "dropped", _("abandon")
        REFUSED = "refused", _("refusée")

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="orientations",
    )
    offer = models.ForeignKey(
        Offer, verbose_name=_("offre"), on_delete=models.PROTECT, related_name="orientations"
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    waiting_since = models.DateTimeField(_("en attente depuis"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "offer"],
                condition=models.Q(status__in=["proposed", "waiting", "enrolled", "in_progress"]),
                name="orientation_once_per_offer",
                violation_error_message=_("Cette personne est déjà orientée vers cette offre."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["offer", "waiting_since"],
                condition=models.Q(status="waiting"),
                name="orientation_waiting_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} → {self.offer}"


class ReportingLink(models.Model):
    """An operator's link to report attendance for one offer, without an account. Only the
    token's SHA-256 is stored; the link expires and can be revoked."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offre"), on_delete=models.PROTECT, related_name="links"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expire le"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("lien de l'opérateur")
        verbose_name_plural = _("liens des opérateurs")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.offer} ({self.expires_at:%d/%m/%Y})"


class ReportSubmission(models.Model):
    """One submission through a link: when, from which address, what was reported."""

    link = models.ForeignKey(
        ReportingLink, verbose_name=_("lien"), on_delete=models.PROTECT, related_name="submissions"
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("adresse IP"))
    period_start = models.DateField(_("période du"), null=True)  # null: before 2026-12
    period_end = models.DateField(_("période jusqu'au"))
    lines = models.JSONField(_("lignes"))

    class Meta:
        verbose_name = _("envoi d'heures")
        verbose_name_plural = _("envois d'heures")
        ordering = ("-at",)

    def __str__(self) -> str:
        return f"{self.link} — {self.at:%d/%m/%Y %H:%M}"


class CreditedPeriod(models.Model):
    """Hours an operator declared for one person of one offer, over one period: two periods
    of the same person and offer never overlap (the database refuses it), and what an
    offer credits a person never exceeds the offer's hours (checked by the service)."""

    submission = models.ForeignKey(
        ReportSubmission, on_delete=models.PROTECT, related_name="credited"
    )
    orientation = models.ForeignKey(
        Orientation, on_delete=models.PROTECT, related_name="credited_periods"
    )
    period = DateRangeField(_("période"))  # [start, end + 1 day)
    hours = models.DecimalField(_("heures"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("période déclarée")
        verbose_name_plural = _("périodes déclarées")
        constraints = [
            ExclusionConstraint(
                name="credited_periods_never_overlap",
                expressions=[
                    ("orientation", RangeOperators.EQUAL),
                    ("period", RangeOperators.OVERLAPS),
                ],
            ),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="credited_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.orientation_id} : {self.hours} h"
