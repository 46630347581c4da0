from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from stdnum.be import bis, nn

from beneficiaries.contact_languages import CONTACT_LANGUAGE_CHOICES
from cainamur.crypto import BlindIndexField, EncryptedTextField, blind_index
from cainamur.lib import plausible
from cainamur.lib.name_order import by_name, name_key
from cainamur.permissions import OfficeScopedQuerySet
from cainamur.uploads import DocumentFileField

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from cainamur.models import User


class Arrondissement(models.TextChoices):
    NAMUR = "Namur", "Namur"
    DINANT = "Dinant", "Dinant"
    PHILIPPEVILLE = "Philippeville", "Philippeville"


@pghistory.track()
class Commune(models.Model):
    """One of the 38 communes of the province of Namur (reference data)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    arrondissement = models.CharField(
        _("arrondissement"), max_length=20, choices=Arrondissement.choices
    )
    postal_codes = ArrayField(
        models.CharField(max_length=4), verbose_name=_("codes postaux"), default=list
    )
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("bureau de référence"),
        on_delete=models.PROTECT,
        related_name="communes",
        help_text=_("Le bureau qui reçoit par défaut les habitants de cette commune."),
    )
    population_email = models.EmailField(
        _("e-mail du service population"),
        blank=True,
        help_text=_("Destinataire des copies d'attestation pour cette commune."),
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = by_name("name")
        indexes = [GinIndex(fields=["postal_codes"], name="commune_postal_codes_gin")]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Cpas(models.Model):
    """The public social welfare centre of a commune."""

    commune = models.OneToOneField(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="cpas"
    )
    name = models.CharField(_("nom"), max_length=150, unique=True)
    email = models.EmailField(
        _("adresse e-mail"),
        blank=True,
        help_text=_("Destinataire des copies d'attestation des personnes aidées par ce CPAS."),
    )
    street = models.CharField(_("rue et numéro"), max_length=200, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("CPAS")
        verbose_name_plural = _("CPAS")
        ordering = by_name("name")

    def __str__(self) -> str:
        return self.name


class FileNumberCounter(models.Model):
    """Last file number handed out per year: numbers are never reused, even on deletion."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur de numéros de dossier")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Sex(models.TextChoices):
    FEMALE = "F", _("Femme")
    MALE = "M", _("Homme")
    OTHER = "X", _("Autre / non précisé")


class PermitType(models.TextChoices):
    A = "A", _("Carte A — séjour limité")
    A_TEMPORARY = "A_TP", _("Carte A — protection temporaire")
    B = "B", _("Carte B — séjour illimité")
    C = "C", _("Carte C — établissement")
    D = "D", _("Carte D — résident de longue durée UE")
    F = "F", _("Carte F — membre de la famille d'un citoyen de l'Union")
    F_PLUS = "F+", _("Carte F+ — séjour permanent d'un membre de la famille")
    H = "H", _("Carte H — carte bleue européenne")
    K = "K", _("Carte K — établissement")
    L = "L", _("Carte L — résident de longue durée UE")
    ANNEX_APPLICANT = (
        "annexe_pi",
        _("Attestation d'immatriculation ou annexe — demande de protection internationale"),
    )
    ANNEX = "annexe", _("Autre annexe ou attestation d'immatriculation")
    OTHER = "autre", _("Autre titre")


#: What a permit type implies on the file (CWASS art. 152/7; docs/domain.md).
PERMIT_IMPLIES: dict[str, str] = {
    PermitType.A_TEMPORARY: "temporary_protection",
    PermitType.ANNEX_APPLICANT: "protection_applicant",
    PermitType.F: "eu_family_member",
    PermitType.F_PLUS: "eu_family_member",
}


class ObligationStatus(models.TextChoices):
    UNKNOWN = "", _("Non évalué")
    OBLIGED = "obliged", _("Obligé·e")
    EXEMPT = "exempt", _("Dispensé·e")
    NOT_CONCERNED = "not_concerned", _("Non concerné·e")
    INCOMPLETE = "incomplete", _("À compléter")


class CaiUnaccent(models.Func):
    """``cai_unaccent(text)``: lower case, accents removed; IMMUTABLE (see migration 0004),
    so it can feed a stored generated column and its trigram index."""

    function = "cai_unaccent"
    output_field = models.TextField()


def validate_register_number(value: str) -> None:
    """A national register or BIS number with the right check digits (11 digits)."""
    if re.fullmatch(r"[0-9]{11}", value or "") and not (nn.is_valid(value) or bis.is_valid(value)):
        raise ValidationError(
            _(
                "Ce numéro n'est pas un numéro de registre national ni un numéro BIS "
                "valide (chiffres de contrôle incorrects)."
            ),
            code="checksum",
        )


def file_date_problems(
    *,
    birth_date: date | None,
    stay_started_on: date | None,
    first_registration_on: date | None,
    permit_ordered_on: date | None,
    permit_issued_on: date | None,
    permit_valid_until: date | None,
    today: date,
) -> dict[str, str]:
    """What is implausible in the dates of a file, by field (the model's ``clean``: its
    forms, the admin and the services): a birth date of a living person; a stay, a
    registration and a permit that have happened, after the birth; a permit issued after
    its order and valid after its issue; a stay that starts by the registration."""
    errors: dict[str, str] = {}
    if problem := plausible.birth_date(birth_date, today=today):
        errors["birth_date"] = problem
    happened = {
        "stay_started_on": stay_started_on,
        "first_registration_on": first_registration_on,
        "permit_ordered_on": permit_ordered_on,
        "permit_issued_on": permit_issued_on,
    }
    for name, value in happened.items():
        problem = plausible.past_or_today(value, today=today) or plausible.after(
            value,
            birth_date,
            message=str(_("Cette date précède la date de naissance.")),
            strict=False,
        )
        if problem:
            errors[name] = problem
    order = (
        (
            "permit_issued_on",
            permit_issued_on,
            permit_ordered_on,
            _("Le titre ne peut être délivré avant d'être commandé."),
        ),
        (
            "permit_valid_until",
            permit_valid_until,
            permit_issued_on,
            _("La fin de validité précède la délivrance."),
        ),
    )
    for name, value, earlier, message in order:
        problem = plausible.after(value, earlier, message=str(message), strict=False)
        if problem and name not in errors:
            errors[name] = problem
    if (
        stay_started_on
        and first_registration_on
        and stay_started_on > first_registration_on
        and "stay_started_on" not in errors
    ):
        errors["stay_started_on"] = str(
            _("Le séjour en Belgique commence au plus tard à l'inscription en Wallonie.")
        )
    return errors


class BeneficiaryQuerySet(OfficeScopedQuerySet):
    office_lookup: ClassVar[str] = "office"

    def with_national_number(self, number: str) -> BeneficiaryQuerySet:
        """The file holding this register number (11 digits), found through its blind
        index: the number itself is stored encrypted."""
        return self.filter(national_number_index=blind_index(number, purpose="national_number"))


@pghistory.track(exclude=["search_text"])
class Beneficiary(models.Model):
    """A newcomer's file (identity, stay and follow-up; the path itself lives in ``parcours``).

    Health data (a medical exemption) is not here but in ``Exemption``, shown only to roles
    holding ``beneficiaries.view_health_data``.
    """

    # Identity
    file_number = models.CharField(_("numéro de dossier"), max_length=20, unique=True)
    last_name = models.CharField(_("nom"), max_length=120)
    birth_name = models.CharField(
        _("nom de naissance"), max_length=120, blank=True, help_text=_("S'il diffère du nom.")
    )
    first_names = models.CharField(_("prénoms"), max_length=200)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date de naissance"))
    birth_place = models.CharField(_("lieu de naissance"), max_length=120, blank=True)
    nationality = CountryField(_("nationalité"))
    second_nationality = CountryField(
        _("seconde nationalité"),
        blank=True,
        help_text=_("Une nationalité belge ou de l'Union : pas concerné·e par l'obligation."),
    )
    # Encrypted (cainamur/crypto.py); found and kept unique through its blind index.
    national_number = EncryptedTextField(
        _("numéro de registre national ou BIS"),
        null=True,
        blank=True,
        help_text=_("11 chiffres, par ex. 85.07.30-033.28."),
        # The database sees only ciphertext: the 11 digits are checked here (admin, services).
        validators=[
            RegexValidator(r"^[0-9]{11}$", _("Le numéro doit compter 11 chiffres, sans signe.")),
            validate_register_number,
        ],
    )
    national_number_index = BlindIndexField(source="national_number", unique=True)
    # Contact
    street = models.CharField(_("rue et numéro"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=4, blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    languages = ArrayField(
        models.CharField(max_length=3),
        verbose_name=_("langues parlées"),
        default=list,
        blank=True,
    )
    interpreter_needed = models.BooleanField(_("interprète nécessaire"), default=False)
    interpreter_language = models.CharField(_("langue d'interprétation"), max_length=3, blank=True)
    # What the centre writes to the person comes in this language beside the French text
    # (beneficiaries/contact_languages.py); "" = the first of their languages it has.
    contact_language = models.CharField(
        _("langue de contact"),
        max_length=5,
        choices=CONTACT_LANGUAGE_CHOICES,
        blank=True,
        help_text=_(
            "Langue des SMS, e-mails et courriers, à côté du texte français. Vide : la "
            "première de ses langues pour laquelle une traduction existe."
        ),
    )
    # Stay
    stay_started_on = models.DateField(
        _("début du séjour légal en Belgique"),
        null=True,
        blank=True,
        help_text=_("Vide : le jour de la première inscription en région de langue française."),
    )
    presented_on = models.DateField(
        _("présenté·e au CAI le"),
        null=True,
        blank=True,
        help_text=_(
            "Premier contact au CAI (rendez-vous honoré ou passage) : c'est ce qui respecte "
            "l'échéance de présentation."
        ),
    )
    first_registration_on = models.DateField(
        _("première inscription en région de langue française"),
        null=True,
        blank=True,
        help_text=_(
            "Dans une commune de Wallonie francophone (pas de Flandre ni de Bruxelles) : "
            "le parcours se compte à partir de là."
        ),
    )
    permit_type = models.CharField(
        _("titre de séjour"), max_length=10, choices=PermitType.choices, blank=True
    )
    permit_ordered_on = models.DateField(
        _("premier titre commandé le"),
        null=True,
        blank=True,
        help_text=_("Le premier titre de plus de 3 mois ; un renouvellement ne le remplace pas."),
    )
    permit_issued_on = models.DateField(_("titre délivré le"), null=True, blank=True)
    permit_valid_until = models.DateField(_("titre valable jusqu'au"), null=True, blank=True)
    permit_over_3_months = models.BooleanField(
        _("séjour de plus de 3 mois"),
        default=True,
        help_text=_("Le titre commandé autorise un séjour de plus de trois mois."),
    )
    protection_applicant = models.BooleanField(
        _("demandeur·se de protection internationale"), default=False
    )
    temporary_protection = models.BooleanField(_("protection temporaire"), default=False)
    eu_family_member = models.BooleanField(
        _("membre de la famille d'un citoyen UE/EEE/suisse"), default=False
    )
    eu_family_free_movement = models.BooleanField(
        _("ce citoyen a exercé sa libre circulation"),
        null=True,
        blank=True,
        help_text=_(
            "Directive 2004/38 : le conjoint d'un·e Belge qui n'a jamais vécu dans un autre "
            "État de l'Union n'est pas « membre de la famille d'un citoyen UE » et reste "
            "obligé·e."
        ),
    )
    eu_family_proof = DocumentFileField(
        _("preuve du lien familial"),
        folder="family-proofs",
        blank=True,
        help_text=_(
            "Acte de mariage, de cohabitation légale ou de naissance, annexe 19ter… (PDF ou "
            "image), comme pour une dispense."
        ),
    )
    cpas_support = models.BooleanField(_("aidé·e par un CPAS"), default=False)
    cpas = models.ForeignKey(
        Cpas,
        verbose_name=_("CPAS"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Follow-up
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        related_name="beneficiaries",
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("référent·e"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="beneficiaries",
    )
    notes = models.TextField(_("notes"), blank=True)
    obligation_status = models.CharField(
        _("obligation"),
        max_length=20,
        choices=ObligationStatus.choices,
        blank=True,
        default=ObligationStatus.UNKNOWN,
        editable=False,
        help_text=_("Résultat de la dernière évaluation (copie, pour filtrer)."),
    )
    presentation_deadline = models.DateField(
        _("se présenter au CRI avant le"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Copie de la dernière évaluation, pour les listes de travail."),
    )
    search_text = models.GeneratedField(
        expression=CaiUnaccent(
            Concat(
                "last_name",
                Value(" "),
                "first_names",
                Value(" "),
                "birth_name",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        # French order: case and accents ignored (cainamur/lib/name_order.py).
        ordering = (*by_name("last_name", "first_names"), "id")
        permissions = [
            ("view_health_data", _("Voir les données de santé")),
            ("view_national_number", _("Voir le numéro de registre national en entier")),
        ]
        indexes = [
            # The list's default order, for everyone, per office and per caseworker,
            # without a sort.
            models.Index(
                name_key("last_name"),
                name_key("first_names"),
                F("id"),
                name="beneficiary_name_order",
            ),
            models.Index(
                F("office"),
                name_key("last_name"),
                name_key("first_names"),
                F("id"),
                name="beneficiary_office_name",
            ),
            models.Index(
                F("caseworker"),
                name_key("last_name"),
                name_key("first_names"),
                F("id"),
                name="beneficiary_caseworker_name",
            ),
            # "My files recently modified" on the caseworker's home.
            models.Index(
                fields=["caseworker", "-updated_at"], name="beneficiary_caseworker_recent"
            ),
            GinIndex(
                fields=["search_text"],
                opclasses=["gin_trgm_ops"],
                name="beneficiary_search_trgm",
            ),
            models.Index(fields=["birth_date"], name="beneficiary_birth_date"),
            models.Index(
                fields=["presentation_deadline"],
                condition=models.Q(obligation_status="obliged"),
                name="beneficiary_obliged_presents",
            ),
            # Reception's « derniers dossiers ouverts », newest first.
            models.Index(fields=["created_at"], name="beneficiary_created"),
            # The work queue's presentations still awaited on a running path.
            models.Index(
                fields=["id"],
                condition=models.Q(presented_on__isnull=True),
                name="beneficiary_not_presented",
            ),
            # The work queue's « à compléter » (few rows among 100,000 files).
            models.Index(
                fields=["created_at"],
                condition=models.Q(obligation_status="incomplete"),
                name="beneficiary_incomplete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_names} ({self.file_number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "national_number" in update_fields:
            # The blind index follows the number it indexes.
            kwargs["update_fields"] = [*update_fields, "national_number_index"]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = file_date_problems(
            birth_date=self.birth_date,
            stay_started_on=self.stay_started_on,
            first_registration_on=self.first_registration_on,
            permit_ordered_on=self.permit_ordered_on,
            permit_issued_on=self.permit_issued_on,
            permit_valid_until=self.permit_valid_until,
            today=timezone.localdate(),
        )
        if errors:
            raise ValidationError(errors)

    def validate_unique(self, exclude: Any = None) -> None:
        """Also: no other file holds this register number. The database keeps it unique
        through the blind index; this says it in words before (admin, services)."""
        super().validate_unique(exclude=exclude)
        number = self.national_number
        if not number or (exclude and "national_number" in exclude):
            return
        if Beneficiary.objects.with_national_number(number).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"national_number": _("Ce numéro est déjà celui d'un autre dossier.")}
            )

    @property
    def full_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_names}"


class ExemptionCode(models.TextChoices):
    MEDICAL = "medical", _("Certificat médical")
    BELGIAN_DIPLOMA = "belgian_diploma", _("Diplôme ou certificat de l'enseignement belge")
    EMPLOYMENT = "employment", _("Travail à mi-temps au moins, plus de 3 mois d'affilée")
    STUDIES = (
        "studies",
        _(
            "Études supérieures ou bourse de doctorat ; enseignant·e d'un établissement reconnu "
            "par la FWB"
        ),
    )
    PRIOR_ATTESTATION = "prior_attestation", _("Attestation de parcours déjà obtenue")


class ExemptionQuerySet(models.QuerySet):
    def visible_to(self, user: User | AnonymousUser) -> ExemptionQuerySet:
        """Medical exemptions are health data: only for roles that may see them."""
        if user.has_perm("beneficiaries.view_health_data"):
            return self
        return self.exclude(code=ExemptionCode.MEDICAL)


@pghistory.track()
class Exemption(models.Model):
    """A proven exemption (CWASS art. 152, §2) declared on a file."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="exemptions",
    )
    code = models.CharField(_("dispense"), max_length=20, choices=ExemptionCode.choices)
    proven_on = models.DateField(_("preuve datée du"))
    valid_until = models.DateField(
        _("valable jusqu'au"),
        null=True,
        blank=True,
        help_text=_(
            "Dernier jour couvert (fin du certificat médical, du contrat, des études). "
            "Vide : la dispense ne prend pas fin."
        ),
    )
    proof = DocumentFileField(
        _("justificatif"),
        folder="exemptions",
        blank=True,
        help_text=_("PDF ou image du document."),
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistrée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    objects = ExemptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispense")
        verbose_name_plural = _("dispenses")
        ordering = ("code",)
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "code"], name="exemption_once_per_code"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=F("proven_on")),
                name="exemption_ends_after_its_proof",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.beneficiary.file_number})"

    def clean(self) -> None:
        # A proof that has been issued; it counts from its date on, never before
        # (parcours.services.person_facts: no exemption retroactively).
        if problem := plausible.past_or_today(self.proven_on, today=timezone.localdate()):
            raise ValidationError({"proven_on": problem})
        if problem := plausible.after(
            self.valid_until,
            self.proven_on,
            strict=False,
            message=str(_("La dispense ne peut pas prendre fin avant la date de sa preuve.")),
        ):
            raise ValidationError({"valid_until": problem})

    def counts_on(self, on: date) -> bool:
        """The exemption counts on ``on``: from its proof's date, until its last day."""
        return plausible.counts_on(self.proven_on, on, until=self.valid_until)

    def ended_on(self, today: date) -> bool:
        """Its last day has passed."""
        return self.valid_until is not None and self.valid_until < today


class PermitRenewal(models.Model):
    """A renewal (or replacement) of the residence permit, recorded apart: the first permit
    order, which the rules read, never changes with it."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="permit_renewals",
    )
    permit_type = models.CharField(
        _("titre de séjour"), max_length=10, choices=PermitType.choices, blank=True
    )
    ordered_on = models.DateField(_("renouvellement commandé le"))
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("renouvellement du titre de séjour")
        verbose_name_plural = _("renouvellements du titre de séjour")
        ordering = ("-ordered_on", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gt=models.F("ordered_on")),
                name="permit_renewal_valid_after_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_permit_type_display()} ({self.ordered_on:%d/%m/%Y})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        first = self.beneficiary.permit_ordered_on if self.beneficiary_id else None
        problem = plausible.past_or_today(self.ordered_on, today=timezone.localdate())
        if problem is None and first is not None:
            problem = plausible.after(
                self.ordered_on,
                first,
                message=_("Un renouvellement suit le premier titre (commandé le %(date)s).")
                % {"date": f"{first:%d/%m/%Y}"},
            )
        if problem:
            errors["ordered_on"] = problem
        if problem := plausible.after(
            self.valid_until,
            self.ordered_on,
            message=str(_("La fin de validité suit la commande.")),
        ):
            errors["valid_until"] = problem
        if errors:
            raise ValidationError(errors)


class ConsentPurpose(models.TextChoices):
    """What a person may agree to beyond what the law already requires of the path."""

    SMS_REMINDERS = "sms_reminders", _("Rappels de rendez-vous par SMS")
    OPERATOR_SHARING = (
        "operator_sharing",
        _("Partage avec un opérateur nommé, au-delà des besoins du parcours"),
    )
    PHOTO = "photo", _("Photo")


class ConsentChannel(models.TextChoices):
    """How the person said it (read after « donné » or « retiré »)."""

    PAPER = "paper", _("formulaire signé")
    ORAL = "oral", _("oralement, en présence")
    EMAIL = "email", _("par e-mail")
    ONLINE = "online", _("en ligne")


def consent_problems(
    *, purpose: str, recipient: str, given_on: date | None, withdrawn_on: date | None = None
) -> dict[str, Any]:
    """What is implausible in a consent, by field (the model's ``clean`` and the forms):
    both dates have happened; an operator is named for a sharing, and only then; a
    withdrawal follows the consent."""
    errors: dict[str, Any] = {}
    today = timezone.localdate()
    if problem := plausible.past_or_today(given_on, today=today):
        errors["given_on"] = problem
    sharing = purpose == ConsentPurpose.OPERATOR_SHARING
    if sharing and not recipient.strip():
        errors["recipient"] = _("Nommez l'opérateur avec qui partager.")
    elif not sharing and recipient.strip():
        errors["recipient"] = _(
            "Un opérateur ne se nomme que pour un partage : laissez ce champ vide."
        )
    if withdrawn_on:
        if problem := plausible.past_or_today(withdrawn_on, today=today):
            errors["withdrawn_on"] = problem
        elif given_on and withdrawn_on < given_on:
            errors["withdrawn_on"] = _(
                "Le retrait ne peut précéder le consentement (donné le %(date)s)."
            ) % {"date": f"{given_on:%d/%m/%Y}"}
    return errors


class ConsentQuerySet(models.QuerySet):
    def active(self) -> ConsentQuerySet:
        """Consents not withdrawn: what they allow may be done."""
        return self.filter(withdrawn_on__isnull=True)


class Consent(models.Model):
    """What the person agreed to where the law does not already require the processing
    (GDPR art. 6(1)(a)): when, how, and who recorded it; withdrawing it stops what depended
    on it. A withdrawn consent stays, as evidence (art. 7(1)); a new one is a new row."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    purpose = models.CharField(_("objet"), max_length=20, choices=ConsentPurpose.choices)
    recipient = models.CharField(
        _("opérateur"),
        max_length=150,
        blank=True,
        help_text=_("Pour un partage seulement : l'opérateur nommé au moment du consentement."),
    )
    given_on = models.DateField(_("donné le"))
    channel = models.CharField(_("recueilli"), max_length=10, choices=ConsentChannel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    withdrawn_on = models.DateField(_("retiré le"), null=True, blank=True)
    withdrawn_channel = models.CharField(
        _("retrait exprimé"), max_length=10, choices=ConsentChannel.choices, blank=True
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retrait enregistré par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("retrait enregistré le"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ("-given_on", "-id")
        constraints = [
            # Once per file, purpose and operator while it holds (the name as typed, any case).
            models.UniqueConstraint(
                "beneficiary",
                "purpose",
                Lower("recipient"),
                condition=models.Q(withdrawn_on__isnull=True),
                name="consent_active_once",
                violation_error_message=_(
                    "Ce consentement est déjà enregistré et n'est pas retiré."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(purpose="operator_sharing") & ~models.Q(recipient="")
                    | ~models.Q(purpose="operator_sharing") & models.Q(recipient="")
                ),
                name="consent_recipient_for_sharing_only",
                violation_error_message=_("Seul un partage avec un opérateur nomme l'opérateur."),
            ),
            # A withdrawal is whole (date, channel, who, when) or absent.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        withdrawn_on__isnull=True,
                        withdrawn_channel="",
                        withdrawn_by__isnull=True,
                        withdrawn_at__isnull=True,
                    )
                    | models.Q(
                        withdrawn_on__isnull=False,
                        withdrawn_on__gte=models.F("given_on"),
                        withdrawn_by__isnull=False,
                        withdrawn_at__isnull=False,
                    )
                    & ~models.Q(withdrawn_channel="")
                ),
                name="consent_withdrawal_whole",
                violation_error_message=_(
                    "Un retrait a une date (pas avant le consentement), une façon, et qui l'a "
                    "enregistré."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.beneficiary.file_number})"

    def clean(self) -> None:
        errors = consent_problems(
            purpose=self.purpose,
            recipient=self.recipient,
            given_on=self.given_on,
            withdrawn_on=self.withdrawn_on,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class TranslationReview(models.Model):
    """A translation of a people-facing text (``locale/``) checked by a member of staff,
    as it read then: a translation is « à relire » until a review matches its text, and
    again when the catalogue changes it (beneficiaries/translations.py)."""

    language = models.CharField(_("langue"), max_length=5, choices=CONTACT_LANGUAGE_CHOICES)
    #: sha256 of the language, the French text and the translation (one review each).
    key = models.CharField(max_length=64, unique=True, editable=False)
    source = models.TextField(_("texte français"))
    translation = models.TextField(_("traduction relue"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relue par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("relue le"), auto_now_add=True)

    class Meta:
        verbose_name = _("traduction relue")
        verbose_name_plural = _("traductions relues")
        ordering = ("language", "-reviewed_at")

    def __str__(self) -> str:
        return f"{self.language}: {self.source[:60]}"


class PersonalPageLink(models.Model):
    """A link to the person's own page (``/mon-parcours/``), sent by SMS or e-mail, valid
    ``CAI_PERSONAL_PAGE_DAYS`` days. Only the token's SHA-256 is stored."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="page_links",
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"))

    class Meta:
        verbose_name = _("lien vers la page personnelle")
        verbose_name_plural = _("liens vers la page personnelle")
        indexes = [models.Index(fields=["expires_at"], name="page_link_expiry")]

    def __str__(self) -> str:
        return str(self.beneficiary)
