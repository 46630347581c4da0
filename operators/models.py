"""Partner operators and what they offer (the axes of the path they count for)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaries.languages import LANGUAGE_CHOICES


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
    ("citizenship", _("Citoyenneté")),
    ("french", _("Français langue étrangère")),
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
        ordering = ("name",)

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
