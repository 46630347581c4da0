"""Reception's own work: phone messages to call back and walk-in permanences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cainamur.permissions import OfficeScopedQuerySet
from offices.models import Office, Weekday


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
    # Empty: the person asked to be called back on the public pages (/rdv/rappel/).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("message pris par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
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
