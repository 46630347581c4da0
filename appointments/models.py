from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from beneficiaries.contact_languages import CONTACT_LANGUAGE_CHOICES
from cainamur.crypto import EncryptedTextField
from cainamur.roles import Role
from offices.models import Office, Room


class AppointmentType(models.Model):
    """What an appointment is for: its length, who may hold it, and whether it is a group
    session with a number of places."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices),
        verbose_name=_("rôles qui le tiennent"),
        default=list,
    )
    is_group = models.BooleanField(_("séance de groupe"), default=False)
    capacity = models.PositiveSmallIntegerField(
        _("places"), null=True, blank=True, help_text=_("Séances de groupe seulement.")
    )
    needs_room = models.BooleanField(_("demande une salle"), default=True)
    bring = models.CharField(
        _("à apporter"),
        max_length=300,
        blank=True,
        help_text=_(
            "Dit à la personne dans la confirmation et le rappel. Par ex. « Apportez votre "
            "titre de séjour et … »."
        ),
    )
    is_active = models.BooleanField(_("proposé"), default=True)

    class Meta:
        verbose_name = _("type de rendez-vous")
        verbose_name_plural = _("types de rendez-vous")
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointment_type_duration",
            ),
            models.CheckConstraint(
                condition=models.Q(is_group=False) | models.Q(capacity__gte=2),
                name="appointment_type_group_capacity",
                violation_error_message=_("Une séance de groupe a au moins deux places."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


ACTIVE_STATUSES = ("booked", "arrived", "done")


class Appointment(models.Model):
    """A meeting with a staff member at an office: an individual appointment, or a group
    session (no person of its own; its participants hold seats).

    The database refuses two active appointments of one staff member, or in one room, at
    overlapping times (exclusion constraints): a lost booking race is an error to report,
    never a double booking.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", _("prévu")
        ARRIVED = "arrived", _("arrivé·e")
        DONE = "done", _("terminé")
        NO_SHOW = "no_show", _("absent·e")
        MISSED = "missed", _("non pointé")
        CANCELLED = "cancelled", _("annulé")

    class Interpreter(models.TextChoices):
        NONE = "", _("pas d'interprète")
        REQUESTED = "requested", _("demandé")
        CONFIRMED = "confirmed", _("confirmé")

    type = models.ForeignKey(
        AppointmentType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="appointments"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("avec"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("salle"),
        on_delete=models.PROTECT,
        related_name="appointments",
        null=True,
        blank=True,
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="appointments",
        null=True,
        blank=True,
    )
    during = DateTimeRangeField(_("horaire"))
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    interpreter_language = models.CharField(_("langue de l'interprète"), max_length=3, blank=True)
    interpreter = models.CharField(
        _("interprète"), max_length=10, choices=Interpreter.choices, blank=True
    )
    notes = models.CharField(_("remarque"), max_length=300, blank=True)
    reason = models.CharField(_("motif (annulation ou report)"), max_length=300, blank=True)
    rescheduled_from = models.OneToOneField(
        "self",
        verbose_name=_("remplace le rendez-vous"),
        on_delete=models.PROTECT,
        related_name="rescheduled_to",
        null=True,
        blank=True,
    )
    arrived_at = models.DateTimeField(_("arrivé·e à"), null=True, blank=True)
    # Booked by the person on the public pages (/rdv/): who they said they are, until
    # reception links the booking to a file. Moving it online books another appointment
    # of the same booking.
    online_booking = models.ForeignKey(
        "OnlineBooking",
        verbose_name=_("réservation en ligne"),
        on_delete=models.PROTECT,
        related_name="appointments",
        null=True,
        blank=True,
    )
    # Empty for a booking the person made online.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pris par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ("during",)
        constraints = [
            ExclusionConstraint(
                name="appointment_staff_no_overlap",
                expressions=[("staff", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                violation_error_message=_(
                    "Ce membre du personnel a déjà un rendez-vous à cette heure."
                ),
            ),
            ExclusionConstraint(
                name="appointment_person_no_overlap",
                expressions=[
                    ("beneficiary", RangeOperators.EQUAL),
                    ("during", RangeOperators.OVERLAPS),
                ],
                condition=models.Q(status__in=ACTIVE_STATUSES, beneficiary__isnull=False),
                violation_error_message=_("Cette personne a déjà un rendez-vous à cette heure."),
            ),
            ExclusionConstraint(
                name="appointment_room_no_overlap",
                expressions=[("room", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=models.Q(status__in=ACTIVE_STATUSES, room__isnull=False),
                violation_error_message=_("Cette salle est déjà occupée à cette heure."),
            ),
            models.CheckConstraint(
                condition=models.Q(created_by__isnull=False)
                | models.Q(online_booking__isnull=False),
                name="appointment_booked_by_someone",
            ),
        ]
        indexes = [
            GistIndex(fields=["office", "during"], name="appointment_office_during"),
            models.Index(fields=["beneficiary", "status"], name="appointment_person"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.during.lower:%d/%m/%Y %H:%M}" if self.during else str(self.type)


class Seat(models.Model):
    """A person's place in a group session."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("inscrit·e")
        ARRIVED = "arrived", _("présent·e")
        NO_SHOW = "no_show", _("absent·e")
        CANCELLED = "cancelled", _("désinscrit·e")

    session = models.ForeignKey(
        Appointment, verbose_name=_("séance"), on_delete=models.PROTECT, related_name="seats"
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="seats",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    interpreter_language = models.CharField(_("langue de l'interprète"), max_length=3, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inscrit·e par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("place en séance")
        verbose_name_plural = _("places en séance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "beneficiary"],
                condition=~models.Q(status="cancelled"),
                name="seat_once_per_session",
                violation_error_message=_("Cette personne est déjà inscrite à cette séance."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} — {self.session}"


class CalendarFeed(models.Model):
    """A staff member's private iCal feed. Only the token's SHA-256 is stored: the address
    is shown once, and regenerating it cuts off the old one."""

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre du personnel"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now=True)

    class Meta:
        verbose_name = _("flux iCal")
        verbose_name_plural = _("flux iCal")

    def __str__(self) -> str:
        return str(self.staff)


class OnlineBooking(models.Model):
    """The welcome module booked by the person on the public pages (``/rdv/``), without an
    account: who they say they are and how to reach them. Reception links it to a file
    (an existing one or a new one, with the usual duplicate check) or refuses it with a
    message to the person. Its appointments are in ``appointments`` (a move books a new
    one)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("à rattacher à un dossier")
        LINKED = "linked", _("rattachée à un dossier")
        REFUSED = "refused", _("refusée")
        CANCELLED = "cancelled", _("annulée par la personne")

    first_names = models.CharField(_("prénom(s)"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    sms = models.BooleanField(_("accepte les SMS"), default=False)
    language = models.CharField(
        _("langue de contact"), max_length=5, choices=CONTACT_LANGUAGE_CHOICES, default="fr"
    )
    interpreter = models.BooleanField(_("interprète demandé"), default=False)
    # Optional, typed by the person: encrypted like the files' (cainamur/crypto.py).
    national_number = EncryptedTextField(
        _("numéro de registre national ou BIS"), null=True, blank=True
    )
    postal_code = models.CharField(_("code postal"), max_length=4, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="online_bookings",
        null=True,
        blank=True,
    )
    message = models.CharField(_("message à la personne"), max_length=300, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traitée par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("réservée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réservation en ligne")
        verbose_name_plural = _("réservations en ligne")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phone="", email=""),
                name="online_booking_reachable",
                violation_error_message=_("Un numéro de téléphone ou une adresse e-mail."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="linked", beneficiary__isnull=False)
                | ~models.Q(status="linked"),
                name="online_booking_linked_has_file",
            ),
        ]
        indexes = [
            models.Index(fields=["phone"], name="online_booking_phone"),
            models.Index(fields=["email"], name="online_booking_email"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="online_booking_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_names} {self.last_name.upper()}"

    @property
    def full_name(self) -> str:
        return str(self)


class BookingLink(models.Model):
    """A private link the person received to move or cancel an online booking (each
    message carries its own). Only the token's SHA-256 is stored; a link works while the
    booking has an appointment to come."""

    booking = models.ForeignKey(
        OnlineBooking,
        verbose_name=_("réservation en ligne"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("lien de réservation")
        verbose_name_plural = _("liens de réservation")

    def __str__(self) -> str:
        return str(self.booking)
