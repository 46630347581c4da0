from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from cainamur.permissions import OfficeScopedQuerySet
from cainamur.roles import Role


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pris par"),
        on_delete=models.PROTECT,
        related_name="+",
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


class CallbackQuerySet(OfficeScopedQuerySet):
    pass


class Callback(models.Model):
    """A phone message to call back (the line is answered 9:00-16:00; others leave one)."""

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normale")
        URGENT = "urgent", _("urgente")

    class Status(models.TextChoices):
        OPEN = "open", _("à rappeler")
        DONE = "done", _("traité")

    name = models.CharField(_("nom de la personne"), max_length=150)
    phone = models.CharField(_("téléphone"), max_length=20)
    language = models.CharField(_("langue"), max_length=3, blank=True)
    subject = models.TextField(_("objet du message"))
    office = models.ForeignKey(
        Office, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="callbacks"
    )
    urgency = models.CharField(
        _("urgence"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("à rappeler par"),
        on_delete=models.PROTECT,
        related_name="callbacks",
        null=True,
        blank=True,
        help_text=_("Vide : n'importe qui du bureau."),
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="callbacks",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("message pris par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    closed_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        ordering = ("created_at", "id")
        indexes = [
            models.Index(
                fields=["office", "created_at"],
                condition=models.Q(status="open"),
                name="callback_open_by_office",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%d/%m/%Y %H:%M})" if self.created_at else self.name


class CallbackAttempt(models.Model):
    class Outcome(models.TextChoices):
        REACHED = "reached", _("joint·e")
        NO_ANSWER = "no_answer", _("pas de réponse")
        VOICEMAIL = "voicemail", _("message laissé")
        WRONG_NUMBER = "wrong_number", _("mauvais numéro")

    callback = models.ForeignKey(
        Callback, verbose_name=_("rappel"), on_delete=models.CASCADE, related_name="attempts"
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("résultat"), max_length=15, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tentative de rappel")
        verbose_name_plural = _("tentatives de rappel")
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.at:%d/%m/%Y %H:%M})" if self.at else ""


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


class Permanence(models.Model):
    """A recurring walk-in session (no appointment), e.g. the socio-professional insertion
    permanence « Levons les freins ! » on Wednesday mornings."""

    office = models.ForeignKey(
        Office, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="permanences"
    )
    theme = models.CharField(_("thème"), max_length=150)
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    starts = models.TimeField(_("de"))
    ends = models.TimeField(_("à"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("permanence")
        verbose_name_plural = _("permanences")
        ordering = ("weekday", "starts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="permanence_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme} — {self.office} ({self.get_weekday_display()})"


class QueueTicket(models.Model):
    """One arrival at a permanence on a given day: a ticket number, waiting time, the
    outcome once seen."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("en attente")
        CALLED = "called", _("appelé·e")
        DONE = "done", _("reçu·e")
        LEFT = "left", _("parti·e sans être reçu·e")

    class Topic(models.TextChoices):
        DIPLOMA = "diploma", _("équivalence de diplôme")
        CV = "cv", _("CV et lettre de motivation")
        JOB_SEARCH = "job_search", _("recherche d'emploi")
        TRAINING = "training", _("orientation vers une formation")
        OTHER = "other", _("autre")

    permanence = models.ForeignKey(
        Permanence, verbose_name=_("permanence"), on_delete=models.PROTECT, related_name="tickets"
    )
    on = models.DateField(_("le"))
    number = models.PositiveSmallIntegerField(_("ticket"))
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
    )
    name = models.CharField(_("nom"), max_length=150)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    arrived_at = models.DateTimeField(_("arrivé·e à"), auto_now_add=True)
    called_at = models.DateTimeField(_("appelé·e à"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reçu·e par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    finished_at = models.DateTimeField(_("terminé à"), null=True, blank=True)
    topic = models.CharField(_("sujet"), max_length=15, choices=Topic.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accueilli·e par"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ticket de permanence")
        verbose_name_plural = _("tickets de permanence")
        ordering = ("on", "number")
        constraints = [
            models.UniqueConstraint(
                fields=["permanence", "on", "number"], name="ticket_number_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"n° {self.number} — {self.name}"
