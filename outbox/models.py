"""Outgoing messages: one row per message to send, with a status everyone can see.

A row is created in the same transaction as the work that calls for it (an attestation,
later an appointment); a task sends it after commit, retries with backoff, and leaves it
``failed`` or ``needs_address`` for a person to fix and resend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cainamur.permissions import OfficeScopedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from cainamur.models import User


def default_attempts_allowed() -> int:
    return int(settings.OUTBOX_MAX_ATTEMPTS)


class DispatchQuerySet(OfficeScopedQuerySet):
    def visible_to(self, user: User | AnonymousUser) -> DispatchQuerySet:
        """Copies of attestations through the person's office, messages about an
        appointment through the appointment's office, invitations through the file's."""
        if not user.is_authenticated or not user.roles:
            return self.none()
        if user.sees_all_offices:
            return self
        offices = user.office_ids
        return self.filter(
            models.Q(attestation__beneficiary__office__in=offices)
            | models.Q(appointment__office__in=offices)
            | models.Q(seat__session__office__in=offices)
            | models.Q(bulk_item__beneficiary__office__in=offices)
            | models.Q(beneficiary__office__in=offices)
        )

    def needing_attention(self) -> DispatchQuerySet:
        """Attestation copies (and notices of revocation) that failed or wait for an
        address (what coordinators fix)."""
        return self.filter(
            purpose__in=[Dispatch.Purpose.ATTESTATION_COPY, Dispatch.Purpose.REVOCATION_NOTICE],
            status__in=[Dispatch.Status.FAILED, Dispatch.Status.NEEDS_ADDRESS],
        )


class Dispatch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("en file d'attente")
        SENDING = "sending", _("envoi en cours")
        SENT = "sent", _("envoyée")
        FAILED = "failed", _("échec")
        NEEDS_ADDRESS = "needs_address", _("adresse manquante")
        CANCELLED = "cancelled", _("annulée (attestation remplacée ou révoquée)")

    class Purpose(models.TextChoices):
        ATTESTATION_COPY = "attestation_copy", _("copie d'attestation")
        CONFIRMATION = "confirmation", _("confirmation de rendez-vous")
        REMINDER = "reminder", _("rappel de rendez-vous")
        REVOCATION_NOTICE = "revocation_notice", _("avis de révocation d'attestation")
        WELCOME_INVITATION = "welcome_invitation", _("invitation au module d'accueil")
        ONLINE_REFUSAL = "online_refusal", _("refus d'une réservation en ligne")
        PAGE_LINK = "page_link", _("lien vers sa page personnelle")

    class Recipient(models.TextChoices):
        COMMUNE = "commune", _("commune")
        CPAS = "cpas", _("CPAS")
        PERSON = "person", _("la personne")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    purpose = models.CharField(_("objet"), max_length=30, choices=Purpose.choices)
    attestation = models.ForeignKey(
        "attestations.Attestation",
        verbose_name=_("attestation"),
        on_delete=models.PROTECT,
        related_name="dispatches",
        null=True,
        blank=True,
    )
    recipient_kind = models.CharField(_("destinataire"), max_length=20, choices=Recipient.choices)
    channel = models.CharField(
        _("canal"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        verbose_name=_("rendez-vous"),
        on_delete=models.PROTECT,
        related_name="dispatches",
        null=True,
        blank=True,
    )
    seat = models.ForeignKey(
        "appointments.Seat",
        verbose_name=_("place en séance"),
        on_delete=models.PROTECT,
        related_name="dispatches",
        null=True,
        blank=True,
    )
    # An invitation sent to a person from an action on several files (« actions groupées »).
    bulk_item = models.ForeignKey(
        "bulk.BulkItem",
        verbose_name=_("action groupée"),
        on_delete=models.PROTECT,
        related_name="dispatches",
        null=True,
        blank=True,
    )
    # A message to a person about their file itself (the link to their own page).
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    commune = models.ForeignKey(
        "beneficiaries.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    cpas = models.ForeignKey(
        "beneficiaries.Cpas",
        verbose_name=_("CPAS"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    to_address = models.CharField(_("envoyée à"), max_length=254, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    attempts_allowed = models.PositiveSmallIntegerField(
        _("tentatives permises"),
        default=default_attempts_allowed,
        help_text=_("Le dernier essai avant l'échec ; une relance en accorde de nouveaux."),
    )
    last_error = models.CharField(_("dernière erreur"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    sending_since = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    # The Celery worker that took it (its name): once that worker has started again, a
    # row it left « sending » is taken back at once (outbox.services.stale_dispatches).
    sending_by = models.CharField(_("envoi par"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    message_id = models.CharField(_("identifiant du message"), max_length=250, blank=True)
    failure_reported_at = models.DateTimeField(_("échec signalé le"), null=True, blank=True)

    objects = DispatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["attestation", "recipient_kind"],
                condition=models.Q(purpose="attestation_copy"),
                name="dispatch_one_copy_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["attestation", "recipient_kind"],
                condition=models.Q(purpose="revocation_notice"),
                name="dispatch_one_notice_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["appointment", "purpose", "channel"],
                condition=models.Q(appointment__isnull=False),
                name="dispatch_one_message_per_appointment",
            ),
            models.UniqueConstraint(
                fields=["seat", "purpose", "channel"],
                condition=models.Q(seat__isnull=False),
                name="dispatch_one_message_per_seat",
            ),
            models.UniqueConstraint(
                fields=["bulk_item", "purpose", "channel"],
                condition=models.Q(bulk_item__isnull=False),
                name="dispatch_one_message_per_bulk_item",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(recipient_kind="commune", commune__isnull=False)
                    | models.Q(recipient_kind="cpas", cpas__isnull=False)
                    | models.Q(recipient_kind="person", appointment__isnull=False)
                    | models.Q(recipient_kind="person", seat__isnull=False)
                    | models.Q(recipient_kind="person", bulk_item__isnull=False)
                    | models.Q(recipient_kind="person", beneficiary__isnull=False)
                ),
                name="dispatch_recipient_set",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                name="dispatch_attention",
                condition=models.Q(status__in=["queued", "sending", "failed", "needs_address"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.recipient_name} ({self.get_status_display()})"

    @property
    def recipient_name(self) -> str:
        if self.recipient_kind == self.Recipient.PERSON:
            return str(_("la personne (%(channel)s)") % {"channel": self.get_channel_display()})
        if self.recipient_kind == self.Recipient.CPAS and self.cpas is not None:
            return self.cpas.name
        if self.commune is not None:
            return str(_("Commune de %(name)s") % {"name": self.commune.name})
        return ""

    @property
    def resendable(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.NEEDS_ADDRESS)
