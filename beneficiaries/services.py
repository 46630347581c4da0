"""Writes on beneficiary files."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Protocol

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.models import (
    Beneficiary,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    Exemption,
    ExemptionCode,
    PermitRenewal,
)
from cainamur import audit
from cainamur.lib import plausible
from cainamur.lib.text import field_labels
from cainamur.models import User
from cainamur.roles import Role

logger = logging.getLogger(__name__)

FILE_NUMBER_FORMAT = "CAI-{year}-{number:05d}"


def file_numbers_reserve(*, year: int, count: int = 1) -> list[str]:
    """Hand out ``count`` consecutive file numbers for ``year``; never twice, never reused.

    One atomic upsert: concurrent callers each get their own block. Inside a caller's
    transaction the counter row stays locked until commit, so registrations of the same
    year are serialised and a rolled-back registration leaves a gap, never a duplicate.
    """
    if count < 1:
        raise ValueError("count must be positive")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO beneficiaries_filenumbercounter (year, last_number) VALUES (%s, %s)
            ON CONFLICT (year) DO UPDATE
                SET last_number = beneficiaries_filenumbercounter.last_number + EXCLUDED.last_number
            RETURNING last_number
            """,
            [year, count],
        )
        last = cursor.fetchone()[0]
    first = last - count + 1
    return [FILE_NUMBER_FORMAT.format(year=year, number=n) for n in range(first, last + 1)]


class FactsListener(Protocol):
    def __call__(self, *, beneficiary: Beneficiary, by: User, trigger: str) -> object: ...


_facts_listeners: list[FactsListener] = []


def on_facts_changed(listener: FactsListener) -> None:
    """Called at start-up by the app that assesses the obligation (``parcours``, a floor
    above): ``listener(beneficiary=, by=, trigger=)`` runs in the same transaction as
    every change of a fact its rules read (registration, edits, exemptions)."""
    if listener not in _facts_listeners:
        _facts_listeners.append(listener)


def facts_changed(*, beneficiary: Beneficiary, by: User, trigger: str) -> None:
    for listener in _facts_listeners:
        listener(beneficiary=beneficiary, by=by, trigger=trigger)


# Facts read by the obligation rules: a change to any of them re-runs the assessment.
OBLIGATION_FACTS = (
    "birth_date",
    "nationality",
    "second_nationality",
    "first_registration_on",
    "permit_ordered_on",
    "permit_over_3_months",
    "eu_family_member",
    "eu_family_free_movement",
    "stay_started_on",
    "protection_applicant",
    "temporary_protection",
)


#: What the register number encodes: a change to any of them checks it again.
REGISTER_NUMBER_FACTS = frozenset({"national_number", "birth_date", "sex"})


def _register_number_checked(beneficiary: Beneficiary, *, confirmed: bool) -> dict[str, Any]:
    """The register number against the birth date and sex (``ValidationError`` on the
    number unless the caseworker confirmed the disagreement); what goes in the audit."""
    problems = (
        plausible.register_number_disagreements(
            beneficiary.national_number, birth=beneficiary.birth_date, sex=beneficiary.sex
        )
        if beneficiary.national_number
        else []
    )
    if problems and not confirmed:
        raise ValidationError({"national_number": " ".join(problems)})
    return {"register_number_confirmed": True} if problems else {}


def beneficiary_register(
    *, data: dict[str, Any], by: User, number_confirmed: bool = False
) -> Beneficiary:
    """Open a new file with the next file number, and assess the obligation at once.
    A register number that says another birth date or sex than typed is refused unless
    ``number_confirmed`` (the caseworker ticked « Je confirme »; kept in the audit)."""
    with transaction.atomic():
        beneficiary = Beneficiary(**data)
        beneficiary.file_number = file_numbers_reserve(year=timezone.localdate().year)[0]
        beneficiary.full_clean(exclude=["file_number"])
        confirmation = _register_number_checked(beneficiary, confirmed=number_confirmed)
        beneficiary.save()
        audit.record(
            action="beneficiaries.beneficiary_register",
            beneficiary=beneficiary,
            by=by,
            summary=gettext("Dossier %(number)s ouvert") % {"number": beneficiary.file_number},
            data=confirmation,
        )
        facts_changed(beneficiary=beneficiary, by=by, trigger=gettext("Ouverture du dossier"))
    logger.info("File %s opened by user %s", beneficiary.pk, by.pk)
    return beneficiary


def beneficiary_update(
    *, beneficiary: Beneficiary, data: dict[str, Any], by: User, number_confirmed: bool = False
) -> list[str]:
    """Apply the changes; re-assess the obligation when a fact the rules read changed.
    A change of the register number, birth date or sex checks them against each other
    (``number_confirmed`` as for :func:`beneficiary_register`).

    Returns the names of the fields that changed."""
    changed = [name for name, value in data.items() if getattr(beneficiary, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(beneficiary, name, data[name])
        beneficiary.full_clean()
        confirmation = (
            _register_number_checked(beneficiary, confirmed=number_confirmed)
            if REGISTER_NUMBER_FACTS.intersection(changed)
            else {}
        )
        beneficiary.save(update_fields=[*changed, "updated_at"])
        audit.record(
            action="beneficiaries.beneficiary_update",
            beneficiary=beneficiary,
            by=by,
            summary=gettext("Dossier modifié : %(fields)s")
            % {"fields": field_labels(Beneficiary, changed)},
            data=confirmation,
        )
        facts = [name for name in changed if name in OBLIGATION_FACTS]
        if facts:
            facts_changed(
                beneficiary=beneficiary,
                by=by,
                trigger=gettext("Modification : %(fields)s")
                % {"fields": field_labels(Beneficiary, facts)},
            )
    logger.info("File %s updated by user %s", beneficiary.pk, by.pk)
    return changed


def beneficiary_assign(
    *, beneficiary: Beneficiary, caseworker: User, by: User, context: str = ""
) -> bool:
    """Give a file to a caseworker who works in its office (the file's form offers the
    caseworkers of the editor's offices; one file at a time, and from « actions
    groupées »). Raises ``ValidationError`` (a French sentence) when the caseworker may not
    follow it; returns False when the file already is theirs. ``context``: a short French
    phrase added to the history (« action groupée »)."""
    with transaction.atomic():
        locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if not caseworker.is_active or not caseworker.has_role(Role.CASEWORKER):
            raise ValidationError(gettext("Cette personne ne suit pas de dossiers."))
        if locked.office_id not in caseworker.office_ids:
            raise ValidationError(
                gettext("%(name)s ne travaille pas au bureau de ce dossier (%(office)s).")
                % {"name": caseworker.get_full_name(), "office": locked.office.name}
            )
        if locked.caseworker_id == caseworker.pk:
            return False
        locked.caseworker = caseworker
        locked.save(update_fields=["caseworker", "updated_at"])
        summary = gettext("Dossier attribué à %(name)s") % {"name": caseworker.get_full_name()}
        if context:
            summary = f"{summary} ({context})"
        audit.record(
            action="beneficiaries.beneficiary_assign",
            beneficiary=locked,
            by=by,
            summary=summary,
            data={"caseworker": caseworker.pk},
        )
    beneficiary.caseworker = caseworker
    return True


def exemption_record(
    *,
    beneficiary: Beneficiary,
    code: str,
    proven_on: date,
    valid_until: date | None = None,
    proof: File | None = None,
    notes: str = "",
    by: User,
) -> Exemption:
    with transaction.atomic():
        exemption = Exemption(
            beneficiary=beneficiary,
            code=code,
            proven_on=proven_on,
            valid_until=valid_until,
            notes=notes,
            recorded_by=by,
        )
        if proof:
            exemption.proof = proof
        exemption.full_clean()
        exemption.save()
        # Every role reads the history and the assessment's trigger: which exemption it is
        # stays with the health permission (the reason of the audit row).
        audit.record(
            by=by,
            action="beneficiaries.exemption_record",
            summary=gettext("Dispense ajoutée"),
            beneficiary=beneficiary,
            obj=exemption,
            reason=str(ExemptionCode(exemption.code).label),
        )
        facts_changed(beneficiary=beneficiary, by=by, trigger=gettext("Dispense ajoutée"))
    return exemption


def exemption_end(*, exemption: Exemption, valid_until: date, by: User) -> Exemption:
    """Record (or move) the last day of an exemption; the obligation is assessed again
    (today, and by the nightly run the day after that last day)."""
    beneficiary = exemption.beneficiary
    with transaction.atomic():
        exemption.valid_until = valid_until
        exemption.full_clean()
        exemption.save(update_fields=["valid_until"])
        audit.record(
            by=by,
            action="beneficiaries.exemption_end",
            summary=gettext("Fin de dispense : valable jusqu'au %(date)s")
            % {"date": f"{valid_until:%d/%m/%Y}"},
            beneficiary=beneficiary,
            obj=exemption,
            reason=str(ExemptionCode(exemption.code).label),
        )
        facts_changed(beneficiary=beneficiary, by=by, trigger=gettext("Fin de dispense"))
    return exemption


def exemption_remove(*, exemption: Exemption, by: User) -> None:
    beneficiary = exemption.beneficiary
    with transaction.atomic():
        audit.record(
            by=by,
            action="beneficiaries.exemption_remove",
            summary=gettext("Dispense retirée"),
            beneficiary=beneficiary,
            data={"exemption": exemption.pk},
            reason=str(ExemptionCode(exemption.code).label),
        )
        proof = exemption.proof.name if exemption.proof else ""
        storage = exemption.proof.storage
        exemption_id = exemption.pk
        exemption.delete()
        # Nothing of it survives: its document, and in its history rows the document's
        # reference and the notes (a medical exemption's notes are health data).
        history = apps.get_model("beneficiaries", "ExemptionEvent")  # made by pghistory
        history.objects.filter(pgh_obj_id=exemption_id).update(proof="", notes="")
        if proof:
            transaction.on_commit(lambda: storage.delete(proof))
        facts_changed(beneficiary=beneficiary, by=by, trigger=gettext("Dispense retirée"))


def beneficiary_presented(*, beneficiary: Beneficiary, on: date, by: User | None) -> bool:
    """The person came to the centre (an appointment attended, a walk-in, the welcome
    module): the presentation deadline is met on the first such day. Returns whether the
    day was recorded (only the earliest counts). The person is here: a day still to come
    (an appointment of next week marked « arrivé·e » early) counts as today."""
    today = timezone.localdate()
    if plausible.past_or_today(on, today=today):
        on = today
    with transaction.atomic():
        updated = (
            Beneficiary.objects.filter(pk=beneficiary.pk)
            .filter(Q(presented_on__isnull=True) | Q(presented_on__gt=on))
            .update(presented_on=on)
        )
        if updated:
            beneficiary.presented_on = on
            audit.record(
                by=by,
                action="beneficiaries.presented",
                summary=gettext("Présenté·e au CAI le %(date)s") % {"date": f"{on:%d/%m/%Y}"},
                beneficiary=beneficiary,
            )
    return bool(updated)


def permit_renewal_record(
    *,
    beneficiary: Beneficiary,
    permit_type: str,
    ordered_on: date,
    valid_until: date | None,
    by: User,
) -> PermitRenewal:
    """Record a renewal of the permit; the first permit order (read by the rules) stays."""
    with transaction.atomic():
        renewal = PermitRenewal(
            beneficiary=beneficiary,
            permit_type=permit_type,
            ordered_on=ordered_on,
            valid_until=valid_until,
            recorded_by=by,
        )
        renewal.full_clean()  # ordered on a day that has come, after the first permit
        renewal.save()
        audit.record(
            by=by,
            action="beneficiaries.permit_renewal",
            summary=gettext("Renouvellement du titre de séjour commandé le %(date)s")
            % {"date": f"{ordered_on:%d/%m/%Y}"},
            beneficiary=beneficiary,
            obj=renewal,
        )
    return renewal


def consent_record(
    *,
    beneficiary: Beneficiary,
    purpose: str,
    recipient: str,
    given_on: date,
    channel: str,
    by: User,
) -> Consent:
    """Record what the person agreed to (GDPR art. 6(1)(a)). Refused (``ValidationError``)
    when the same consent already holds, a date has not happened yet, or an operator is
    missing from a sharing (or named for anything else)."""
    with transaction.atomic():
        consent = Consent(
            beneficiary=beneficiary,
            purpose=purpose,
            recipient=recipient.strip(),
            given_on=given_on,
            channel=channel,
            recorded_by=by,
        )
        consent.full_clean()
        try:
            with transaction.atomic():
                consent.save()
        except IntegrityError as error:  # the same consent, recorded a moment ago
            raise ValidationError(
                {"purpose": gettext("Ce consentement vient d'être enregistré.")}
            ) from error
        # The operator's name was typed: it stays in the row, not in the history's sentence.
        audit.record(
            by=by,
            action="beneficiaries.consent_record",
            summary=gettext("Consentement donné le %(date)s (%(channel)s) : %(purpose)s")
            % {
                "date": f"{given_on:%d/%m/%Y}",
                "channel": ConsentChannel(channel).label,
                "purpose": ConsentPurpose(purpose).label,
            },
            beneficiary=beneficiary,
            obj=consent,
        )
    logger.info("Consent %s recorded on file %s by user %s", consent.pk, beneficiary.pk, by.pk)
    return consent


def consent_withdraw(*, consent: Consent, withdrawn_on: date, channel: str, by: User) -> Consent:
    """The person withdraws a consent: what depended on it stops from now on (art. 7(3));
    the row stays, as evidence of what was agreed and until when."""
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update(of=("self",))
            .select_related("beneficiary")
            .get(pk=consent.pk)
        )
        if not consent.is_active:
            raise ValidationError(
                gettext("Ce consentement a déjà été retiré le %(date)s.")
                % {"date": f"{consent.withdrawn_on:%d/%m/%Y}"}
            )
        consent.withdrawn_on = withdrawn_on
        consent.withdrawn_channel = channel
        consent.withdrawn_by = by
        consent.withdrawn_at = timezone.now()
        consent.full_clean()
        consent.save(
            update_fields=["withdrawn_on", "withdrawn_channel", "withdrawn_by", "withdrawn_at"]
        )
        audit.record(
            by=by,
            action="beneficiaries.consent_withdraw",
            summary=gettext("Consentement retiré le %(date)s (%(channel)s) : %(purpose)s")
            % {
                "date": f"{withdrawn_on:%d/%m/%Y}",
                "channel": ConsentChannel(channel).label,
                "purpose": ConsentPurpose(consent.purpose).label,
            },
            beneficiary=consent.beneficiary,
            obj=consent,
        )
    logger.info("Consent %s withdrawn by user %s", consent.pk, by.pk)
    return consent
