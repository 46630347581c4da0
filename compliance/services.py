"""Writes on non-compliance files: open one for a breach, record the report's sending
(the report is frozen then), record the outcome. Every step is in the audit trail."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.models import Beneficiary
from cainamur import audit
from cainamur.lib import plausible
from cainamur.lib.text import field_labels, max_length
from cainamur.models import User
from compliance import rules
from compliance.models import NonCompliance
from compliance.selectors import breach_of, report_snapshot
from parcours.models import RulesConfig

Outcome = NonCompliance.Outcome

#: Which outcome may follow which: a decision may be appealed, an appeal decided.
NEXT_OUTCOMES: dict[str, frozenset[str]] = {
    Outcome.PENDING: frozenset({Outcome.NO_FOLLOW_UP, Outcome.WARNING, Outcome.FINE}),
    Outcome.NO_FOLLOW_UP: frozenset(),
    Outcome.WARNING: frozenset({Outcome.APPEAL}),
    Outcome.FINE: frozenset({Outcome.APPEAL}),
    Outcome.APPEAL: frozenset({Outcome.NO_FOLLOW_UP, Outcome.WARNING, Outcome.FINE}),
}


class ComplianceError(Exception):
    """A refused step, with a message for the user (French)."""


def _fits(**texts: str) -> None:
    """Each text fits its field (else refused, saying which)."""
    for name, value in texts.items():
        if problem := plausible.too_long(value, max_length=max_length(NonCompliance, name)):
            raise ComplianceError(
                gettext("%(field)s : %(problem)s")
                % {"field": field_labels(NonCompliance, [name]).capitalize(), "problem": problem}
            )


def case_open(*, beneficiary: Beneficiary, kind: str, by: User) -> NonCompliance:
    """Open the file for a breach that stands today (checked again here)."""
    today = timezone.localdate()
    breach = breach_of(beneficiary, kind, today=today)
    if breach is None:
        raise ComplianceError(gettext("Ce manquement n'est pas (ou plus) constaté."))
    try:
        with transaction.atomic():
            case = NonCompliance.objects.create(
                beneficiary=beneficiary, kind=kind, breach_on=breach.since, opened_by=by
            )
            audit.record(
                by=by,
                action="compliance.open",
                summary=gettext("Dossier de manquement ouvert : %(kind)s (depuis le %(date)s)")
                % {"kind": case.get_kind_display(), "date": f"{breach.since:%d/%m/%Y}"},
                beneficiary=beneficiary,
                obj=case,
            )
    except IntegrityError as error:
        raise ComplianceError(gettext("Ce manquement a déjà son dossier.")) from error
    return case


def report_sent(
    *, case: NonCompliance, sent_on: date, sent_to: str, sent_reference: str, by: User
) -> None:
    """The report left for the sanctioning officer: its content is frozen as sent."""
    with transaction.atomic():
        case = NonCompliance.objects.select_for_update().get(pk=case.pk)
        if case.sent_on is not None:
            raise ComplianceError(gettext("L'envoi du rapport est déjà enregistré."))
        if problem := plausible.past_or_today(sent_on, today=timezone.localdate()):
            raise ComplianceError(problem)
        _fits(sent_to=sent_to.strip(), sent_reference=sent_reference.strip())
        if sent_on < case.breach_on:
            raise ComplianceError(
                gettext("Le rapport ne peut être envoyé avant le manquement (le %(date)s).")
                % {"date": f"{case.breach_on:%d/%m/%Y}"}
            )
        if breach_of(case.beneficiary, case.kind, today=timezone.localdate()) is None:
            raise ComplianceError(
                gettext(
                    "Ce manquement n'est plus constaté (une force majeure, une prorogation "
                    "ou une attestation l'a levé) : classez le dossier « sans suite »."
                )
            )
        snapshot = report_snapshot(case, today=sent_on)
        case.report = json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))
        case.sent_on = sent_on
        case.sent_to = sent_to.strip()
        case.sent_reference = sent_reference.strip()
        case.save(update_fields=["report", "sent_on", "sent_to", "sent_reference"])
        audit.record(
            by=by,
            action="compliance.report_sent",
            summary=gettext("Rapport de manquement envoyé le %(date)s à %(to)s")
            % {"date": f"{sent_on:%d/%m/%Y}", "to": case.sent_to},
            beneficiary=case.beneficiary,
            obj=case,
        )


def outcome_record(
    *,
    case: NonCompliance,
    outcome: str,
    outcome_on: date,
    fine_amount: Decimal | None,
    note: str,
    by: User,
) -> None:
    """The sanctioning officer's decision (or an appeal). A fine has its amount within the
    bounds in force; nothing here changes the path."""
    with transaction.atomic():
        case = NonCompliance.objects.select_for_update().get(pk=case.pk)
        if case.sent_on is None and outcome != Outcome.NO_FOLLOW_UP:
            # Without a report sent, the only outcome is to close the file.
            raise ComplianceError(gettext("Enregistrez d'abord l'envoi du rapport."))
        if problem := plausible.past_or_today(outcome_on, today=timezone.localdate()):
            raise ComplianceError(problem)
        _fits(outcome_note=note.strip())
        if outcome not in NEXT_OUTCOMES[case.outcome]:
            raise ComplianceError(
                gettext("« %(to)s » ne peut pas suivre « %(from)s ».")
                % {"to": Outcome(outcome).label, "from": case.get_outcome_display()}
            )
        if case.sent_on is not None and outcome_on < case.sent_on:
            raise ComplianceError(gettext("La décision ne peut précéder l'envoi du rapport."))
        if case.outcome_on is not None and outcome_on < case.outcome_on:
            raise ComplianceError(
                gettext("Cette suite ne peut précéder la précédente (du %(date)s).")
                % {"date": f"{case.outcome_on:%d/%m/%Y}"}
            )
        if outcome_on < case.breach_on:
            raise ComplianceError(gettext("La suite ne peut précéder le manquement."))
        config = RulesConfig.current()
        if outcome == Outcome.FINE and not rules.fine_is_plausible(
            fine_amount, low=config.fine_min, high=config.fine_max
        ):
            raise ComplianceError(
                gettext("Le montant d'une amende va de %(low)s à %(high)s €.")
                % {"low": f"{config.fine_min:.0f}", "high": f"{config.fine_max:.0f}"}
            )
        if outcome != Outcome.FINE and outcome != Outcome.APPEAL:
            fine_amount = None
        elif outcome == Outcome.APPEAL:
            fine_amount = case.fine_amount  # the appealed amount stays on record
        case.outcome = outcome
        case.outcome_on = outcome_on
        case.fine_amount = fine_amount
        case.outcome_note = note.strip()
        case.save(update_fields=["outcome", "outcome_on", "fine_amount", "outcome_note"])
        summary = gettext("Manquement : %(outcome)s le %(date)s") % {
            "outcome": case.get_outcome_display(),
            "date": f"{outcome_on:%d/%m/%Y}",
        }
        if outcome == Outcome.FINE and fine_amount is not None:
            summary += f" ({fine_amount:.2f} €)"
        audit.record(
            by=by,
            action="compliance.outcome",
            summary=summary,
            beneficiary=case.beneficiary,
            obj=case,
            reason=note,
        )
