"""« Actions groupées »: one action asked for a selection of files (assign them to a
caseworker, invite the people to the welcome module, seat them in a group session), run by
a task, with what it did or refused for each file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cainamur.permissions import OfficeScopedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from cainamur.models import User


class BulkActionQuerySet(models.QuerySet):
    def visible_to(self, user: User | AnonymousUser) -> BulkActionQuerySet:
        """Coordinators see every action (they see every office); other staff their own."""
        if not user.is_authenticated or not user.roles:
            return self.none()
        if user.sees_all_offices:
            return self
        return self.filter(created_by=user.pk)


class BulkAction(models.Model):
    """One action over a selection of files, as confirmed by the person who asked for it.
    ``parameters`` holds ids and codes only, never a name."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", _("Attribuer à un·e référent·e")
        INVITE = "invite", _("Inviter au module d'accueil")
        SESSION = "seat", _("Inscrire à une séance de groupe")

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminée")
        FAILED = "failed", _("échec")

    class Channel(models.TextChoices):
        LETTER = "letter", _("Lettres à imprimer")
        EMAIL = "email", _("E-mails")
        BOTH = "both", _("Lettres et e-mails")

    kind = models.CharField(_("action"), max_length=10, choices=Kind.choices)
    #: The choices made on the form (ids and codes only).
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("référent·e"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    session = models.ForeignKey(
        "appointments.Appointment",
        verbose_name=_("séance"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    channel = models.CharField(
        _("envoi"), max_length=10, choices=Channel.choices, blank=True, default=""
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("dossiers"), default=0)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    step = models.CharField(_("étape"), max_length=120, blank=True)
    error = models.CharField(_("erreur"), max_length=500, blank=True)
    letters = models.FileField(_("lettres (PDF)"), upload_to="bulk/%Y/", blank=True)
    letters_count = models.PositiveIntegerField(_("lettres"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    seconds = models.FloatField(_("durée (secondes)"), null=True, blank=True)
    #: The one-time token of the confirmation form: a second « Confirmer et lancer » (a
    #: double click, the browser sending the form again) finds this action instead of
    #: asking for another.
    token = models.UUIDField(_("jeton de confirmation"), null=True, blank=True, editable=False)
    #: The last sign of life: queued, started, or a few files further. The watch
    #: (``bulk_watch``) queues again or resumes an action whose sign of life is too old.
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    #: How many times a task started it (a resumed action starts again).
    runs = models.PositiveSmallIntegerField(_("démarrages"), default=0)

    objects = BulkActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("action groupée")
        verbose_name_plural = _("actions groupées")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="bulk_action_progress_percent"
            ),
            models.UniqueConstraint(fields=["token"], name="bulk_action_one_per_token"),
            models.CheckConstraint(
                condition=~models.Q(kind="assign") | models.Q(caseworker__isnull=False),
                name="bulk_action_assign_has_caseworker",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="seat") | models.Q(session__isnull=False),
                name="bulk_action_session_has_session",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="invite") | ~models.Q(channel=""),
                name="bulk_action_invite_has_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class BulkItemQuerySet(OfficeScopedQuerySet):
    office_lookup = "beneficiary__office"


class BulkItem(models.Model):
    """What the action did, or refused and why, for one file."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("à traiter")
        DONE = "done", _("fait")
        REFUSED = "refused", _("refusé")

    action = models.ForeignKey(
        BulkAction, verbose_name=_("action"), on_delete=models.CASCADE, related_name="items"
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.PositiveIntegerField(_("rang"))
    outcome = models.CharField(
        _("résultat"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    #: A French sentence: what was done, or why it was refused (never free text).
    detail = models.CharField(_("détail"), max_length=300, blank=True)
    letter = models.BooleanField(_("lettre"), default=False)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    objects = BulkItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier d'une action groupée")
        verbose_name_plural = _("dossiers d'une action groupée")
        ordering = ("action", "position")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "beneficiary"], name="bulk_item_once_per_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_id}/{self.position} ({self.get_outcome_display()})"
