from __future__ import annotations

from functools import cached_property

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cainamur.crypto import EncryptedTextField
from cainamur.lib.name_order import by_name
from cainamur.roles import ALL_OFFICES_ROLES, ROLE_BY_GROUP_NAME, Role


class User(AbstractUser):
    """A staff member of the centre. Roles are groups; offices say whose files they see."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    function = models.CharField(
        _("fonction"),
        max_length=120,
        blank=True,
        help_text=_("Affichée sur les documents signés, par ex. « Assistante sociale »."),
    )
    offices = models.ManyToManyField(
        "offices.Office",
        verbose_name=_("bureaux"),
        related_name="staff",
        blank=True,
        help_text=_("Les bureaux dont ce membre du personnel voit les dossiers."),
    )

    class Meta:
        verbose_name = _("membre du personnel")
        verbose_name_plural = _("membres du personnel")
        ordering = (*by_name("last_name", "first_name"), "id")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[Role]:
        if not self.is_active:
            return frozenset()
        roles = {
            ROLE_BY_GROUP_NAME[group.name]
            for group in self.groups.all()
            if group.name in ROLE_BY_GROUP_NAME
        }
        if self.is_superuser:
            roles.add(Role.ADMINISTRATOR)
        return frozenset(roles)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sees_all_offices(self) -> bool:
        return self.has_role(*ALL_OFFICES_ROLES)

    @cached_property
    def office_ids(self) -> frozenset[int]:
        return frozenset(self.offices.values_list("id", flat=True))

    @property
    def primary_role(self) -> Role | None:
        """The role whose home page the user lands on (the most specific one first)."""
        for role in (Role.COORDINATOR, Role.CASEWORKER, Role.RECEPTION, Role.ADMINISTRATOR):
            if role in self.roles:
                return role
        return None


class Centre(models.Model):
    """The centre's identity as printed on its documents (one row, edited in the admin)."""

    name = models.CharField(_("nom"), max_length=150, default="Centre d'Action Interculturelle")
    description = models.CharField(
        _("description"),
        max_length=200,
        default="Centre régional d'intégration de la province de Namur",
    )
    street = models.CharField(_("rue et numéro"), max_length=200, default="Rue Docteur Haibe 2")
    postal_code = models.CharField(_("code postal"), max_length=4, default="5002")
    city = models.CharField(_("localité"), max_length=100, default="Namur (Saint-Servais)")
    phone = models.CharField(_("téléphone"), max_length=30, default="081 71 35 18")
    email = models.EmailField(_("adresse e-mail"), default="accompagnement@cainamur.be")
    website = models.CharField(_("site web"), max_length=100, default="www.cainamur.be")
    logo = models.ImageField(
        _("logo"),
        upload_to="centre/",
        blank=True,
        help_text=_(
            "PNG ou JPEG, 200 Ko au plus, imprimé en haut des documents. Sans logo, un "
            "bandeau au nom du centre le remplace."
        ),
    )
    place_of_issue = models.CharField(
        _("lieu de délivrance"), max_length=100, default="Namur", help_text=_("« Fait à … »")
    )
    signatory_name = models.CharField(
        _("signataire des attestations"), max_length=150, default="La direction"
    )
    signatory_function = models.CharField(
        _("fonction du signataire"), max_length=150, default="Directrice"
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("identité du centre")
        verbose_name_plural = _("identité du centre")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="centre_single_row")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Centre:
        centre, _created = cls.objects.get_or_create(pk=1)
        return centre


class PdfStatus(models.TextChoices):
    PENDING = "pending", _("en préparation")
    READY = "ready", _("prêt")
    FAILED = "failed", _("échec")


class RenderedPdf(models.Model):
    """A record whose PDF a task renders after commit, with a visible, retryable state."""

    pdf_status = models.CharField(
        _("état du PDF"), max_length=10, choices=PdfStatus.choices, default=PdfStatus.PENDING
    )
    pdf_error = models.CharField(_("erreur du PDF"), max_length=500, blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One line of the audit trail: who did what, to which object, in which file, when.

    Written in the same transaction as the change it records (``cainamur.audit.record``),
    never changed nor deleted (a database trigger refuses it). The file's « Historique »
    reads these rows.
    """

    at = models.DateTimeField(_("le"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Vide : une tâche automatique ou un opérateur par son lien."),
    )
    action = models.CharField(_("action"), max_length=60)
    summary = models.CharField(_("résumé"), max_length=300)
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    object_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ligne d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=["beneficiary", "-at"], name="audit_file_timeline"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def reason(self) -> str:
        """The free-text reason a person gave (shown only with the health permission)."""
        return str(self.data.get("reason", ""))


class ReadEvent(models.Model):
    """One line of the read log: who opened which file, downloaded which document,
    revealed a register number, ran a search that returned files, or exported — when and
    from which address. Never changed nor deleted (a database trigger refuses it); written
    by ``cainamur.reads.record``, which never breaks the page."""

    class Kind(models.TextChoices):
        FILE = "file", _("dossier ouvert")
        DOCUMENT = "document", _("document téléchargé")
        NUMBER = "number", _("numéro national affiché")
        SEARCH = "search", _("recherche")
        EXPORT = "export", _("export")
        PERSON = "person", _("page personnelle vue par la personne elle-même")

    at = models.DateTimeField(_("le"), default=timezone.now)
    # Empty when the person themselves read their page (/mon-parcours/).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("consultation"), max_length=10, choices=Kind.choices)
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="read_events",
    )
    what = models.CharField(_("quoi"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("adresse"), null=True, blank=True)
    #: For a search: the ids of the files it returned (the first 100).
    files = ArrayField(models.BigIntegerField(), verbose_name=_("dossiers"), default=list)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("journal des consultations")
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=["beneficiary", "-at"], name="read_file_timeline"),
            models.Index(fields=["actor", "-at"], name="read_by_person"),
            GinIndex(fields=["files"], name="read_search_files"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False) | models.Q(kind="person"),
                name="read_event_has_reader",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="read_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.what}"

    @property
    def reader(self) -> str:
        """Who read: the account, or « la personne elle-même »."""
        return str(self.actor) if self.actor is not None else str(_("la personne elle-même"))


class ReadAlert(models.Model):
    """An unusual reading raised by the read log (``cainamur.reads``), shown on the
    coordinators' home and mailed to them."""

    class Kind(models.TextChoices):
        VOLUME = "volume", _("beaucoup de dossiers ouverts en une heure")
        OUTSIDE = "outside", _("dossier ouvert hors de ses bureaux")

    at = models.DateTimeField(_("le"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("alerte"), max_length=10, choices=Kind.choices)
    count = models.PositiveIntegerField(_("dossiers"), default=1)

    class Meta:
        verbose_name = _("alerte de consultation")
        verbose_name_plural = _("alertes de consultation")
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.actor})"


class WorkerHeartbeat(models.Model):
    """The last heartbeat a Celery worker consumed (``cainamur.workers``): its own task,
    sent to its own queue every few seconds and run like any other, so a worker that stops
    consuming shows here as a heartbeat growing old. In PostgreSQL, not in Redis: it stays
    readable while the broker is down."""

    hostname = models.CharField(_("worker"), max_length=200, primary_key=True)
    pid = models.PositiveIntegerField(_("processus"))
    started_at = models.DateTimeField(_("démarré le"))
    seen_at = models.DateTimeField(_("dernier signe de vie"))

    class Meta:
        verbose_name = _("signe de vie d'un worker")
        verbose_name_plural = _("signes de vie des workers")

    def __str__(self) -> str:
        return self.hostname


class FailureCount(models.Model):
    """A count of failures that did not break a page (a task the broker could not take),
    kept in PostgreSQL so that every web process adds to one count and ``/health/`` reads
    it while Redis is down."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    count = models.PositiveBigIntegerField(_("nombre"), default=0)
    last_at = models.DateTimeField(_("dernière fois"))

    class Meta:
        verbose_name = _("compteur d'échecs")
        verbose_name_plural = _("compteurs d'échecs")

    def __str__(self) -> str:
        return f"{self.name}: {self.count}"


class Export(models.Model):
    """One export of a list (XLSX or CSV): the export log (who, which list, which filters,
    how many rows) and, for a large one built by a task, its progress and its file until
    it expires (``cainamur/exports.py``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        RUNNING = "running", _("en préparation")
        READY = "ready", _("prêt")
        FAILED = "failed", _("échec")
        EXPIRED = "expired", _("expiré")
        DOWNLOADED = "direct", _("téléchargé directement")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (XLSX)")
        CSV = "csv", _("CSV")

    source = models.CharField(_("liste"), max_length=40)
    label = models.CharField(_("intitulé"), max_length=200)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    #: The filters as people read them (label, value), the search's text left out.
    filters = models.JSONField(_("filtres"), default=list, blank=True)
    #: The parameters a task needs to build the list again, the search's text included;
    #: encrypted, and erased once the file is built.
    query = EncryptedTextField(_("paramètres"), blank=True)
    rows = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    error = models.CharField(_("erreur"), max_length=300, blank=True)
    file = models.FileField(_("fichier"), upload_to="exports/%Y/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    seconds = models.FloatField(_("durée (secondes)"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("journal des exports")
        ordering = ("-requested_at", "-id")
        indexes = [models.Index(fields=["requested_by", "-requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="export_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_format_display()}, {self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)
