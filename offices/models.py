"""Offices: the scoping pivot every app uses.

The main office in Namur and the decentralised ones, their reception and phone hours,
rooms, closures, and when each staff member is there (weekly availability, absences).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Office(models.Model):
    """A reception office of the centre (the main office in Namur or a decentralised one)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=120, unique=True)
    is_main = models.BooleanField(_("bureau principal"), default=False)
    street = models.CharField(_("rue et numéro"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=4)
    city = models.CharField(_("localité"), max_length=120)
    phone = models.CharField(
        _("téléphone"), max_length=30, blank=True, help_text=_("Par ex. 081 71 35 18.")
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    access = models.CharField(
        _("comment venir"),
        max_length=200,
        blank=True,
        help_text=_(
            "Une ligne dite dans les confirmations et rappels de rendez-vous : transports, "
            "parking, entrée. Par ex. « Bus 3 et 4, arrêt Gare ; entrée par la cour »."
        ),
    )
    # The public pages (/rdv/) offer the welcome module at this office while the day's
    # online bookings stay below this share of what its staff present can hold that day.
    online_share = models.PositiveSmallIntegerField(
        _("part réservable en ligne (%)"),
        default=0,
        help_text=_(
            "Part de la capacité de chaque jour (modules d'accueil que le personnel présent "
            "peut tenir) que les personnes peuvent réserver elles-mêmes sur /rdv/. "
            "0 : pas de réservation en ligne dans ce bureau."
        ),
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaux")
        ordering = ("-is_main", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["is_main"],
                condition=models.Q(is_main=True),
                name="office_single_main_office",
                violation_error_message=_("Il ne peut y avoir qu'un seul bureau principal."),
            ),
            models.CheckConstraint(
                condition=models.Q(online_share__lte=100),
                name="office_online_share_percent",
                violation_error_message=_("Une part se donne entre 0 et 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class OpeningHours(models.Model):
    """When an office receives (by appointment) or answers the phone, per weekday; a day
    may have several ranges (morning and afternoon)."""

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("accueil sur rendez-vous")
        PHONE = "phone", _("permanence téléphonique")

    office = models.ForeignKey(
        Office, verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="hours"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("de"))
    closes = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("horaire")
        verbose_name_plural = _("horaires")
        ordering = ("office", "kind", "weekday", "opens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="opening_hours_closes_after_opening",
                violation_error_message=_("L'heure de fin doit suivre l'heure de début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Room(models.Model):
    """A room or desk of an office where appointments are held."""

    office = models.ForeignKey(
        Office, verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="rooms"
    )
    name = models.CharField(_("nom"), max_length=80)
    capacity = models.PositiveSmallIntegerField(_("places assises"), default=2)
    is_active = models.BooleanField(_("en service"), default=True)

    class Meta:
        verbose_name = _("salle ou bureau")
        verbose_name_plural = _("salles et bureaux")
        ordering = ("office", "name")
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="room_name_per_office"),
        ]

    def __str__(self) -> str:
        return f"{self.office} — {self.name}"


class Closure(models.Model):
    """Days an office is closed beyond public holidays (training day, works...); without an
    office, every office is closed."""

    office = models.ForeignKey(
        Office,
        verbose_name=_("bureau"),
        on_delete=models.CASCADE,
        related_name="closures",
        null=True,
        blank=True,
        help_text=_("Vide : tous les bureaux."),
    )
    start_on = models.DateField(_("du"))
    end_on = models.DateField(_("au (inclus)"))
    reason = models.CharField(_("motif"), max_length=200)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ("-start_on",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__gte=models.F("start_on")),
                name="closure_ends_after_start",
                violation_error_message=_("La fin doit suivre le début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_on:%d/%m/%Y}–{self.end_on:%d/%m/%Y} {self.reason}"


class StaffAvailability(models.Model):
    """A staff member's recurring weekly presence at an office."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre du personnel"),
        on_delete=models.CASCADE,
        related_name="availabilities",
    )
    office = models.ForeignKey(
        Office, verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="availabilities"
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    starts = models.TimeField(_("de"))
    ends = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("disponibilité")
        verbose_name_plural = _("disponibilités")
        ordering = ("staff", "weekday", "starts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="availability_ends_after_start",
                violation_error_message=_("L'heure de fin doit suivre l'heure de début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} — {self.office} {self.get_weekday_display()}"


class Absence(models.Model):
    """A staff member away (leave, training, illness): no appointment during it."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre du personnel"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    during = DateTimeRangeField(_("période"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ("-during",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    during__startswith__isnull=False, during__endswith__isnull=False
                ),
                name="absence_has_both_ends",
                violation_error_message=_("Indiquez le début et la fin de l'absence."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} — {self.reason}"
