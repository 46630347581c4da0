"""Who is in breach, and the evidence the Region's sanctioning officer needs. Reads only
(a fixed number of queries whatever the number of files)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary, ObligationStatus
from cainamur import audit
from cainamur.lib.name_order import name_sort_key
from cainamur.pdf import centre_snapshot
from compliance import rules
from compliance.models import NonCompliance
from parcours import path_rules
from parcours import rules as obligation_rules
from parcours.models import (
    Axis,
    AxisKind,
    DeadlineKind,
    Evaluation,
    ObligationAssessment,
    Parcours,
    Suspension,
)
from parcours.selectors import current_path, path_deadlines


@dataclass(frozen=True)
class Breach:
    beneficiary: Beneficiary
    kind: str
    since: date

    @property
    def label(self) -> str:
        return str(NonCompliance.Kind(self.kind).label)


def _attestation_due(paths: list[Parcours], *, today: date) -> dict[int, date | None]:
    """Each path's attestation deadline in force (general suspensions, extensions)."""
    general = list(Suspension.objects.filter(parcours__isnull=True))
    due: dict[int, date | None] = {}
    for parcours in paths:
        deadlines, _axes = path_deadlines(
            parcours,
            axes=[],
            suspensions=[*general, *parcours.suspensions.all()],
            extensions=list(parcours.extensions.all()),
            today=today,
        )
        due[parcours.pk] = next(
            (d.effective for d in deadlines if d.kind == DeadlineKind.ATTESTATION), None
        )
    return due


def current_breaches(
    files: QuerySet[Beneficiary], *, today: date, with_opened: bool = False
) -> list[Breach]:
    """Every breach on these files today that has no non-compliance file yet (all of them
    ``with_opened``), oldest first."""
    found: list[Breach] = []
    late = (
        files.filter(obligation_status=ObligationStatus.OBLIGED, presentation_deadline__lt=today)
        .filter(Q(presented_on__isnull=True) | Q(presented_on__gt=F("presentation_deadline")))
        .select_related("office")
    )
    for beneficiary in late:
        breach = rules.presentation_breach(
            deadline=beneficiary.presentation_deadline,
            presented_on=beneficiary.presented_on,
            today=today,
        )
        if breach:
            found.append(Breach(beneficiary, breach.kind, breach.since))
    found.extend(_attestation_breaches(files, today=today))
    found.extend(_absence_breaches(files))
    if not with_opened:
        opened = set(
            NonCompliance.objects.filter(
                beneficiary__in=[b.beneficiary.pk for b in found]
            ).values_list("beneficiary_id", "kind", "breach_on")
        )
        found = [b for b in found if (b.beneficiary.pk, b.kind, b.since) not in opened]
    found.sort(
        key=lambda b: (
            b.since,
            name_sort_key(b.beneficiary.last_name),
            name_sort_key(b.beneficiary.first_names),
            b.beneficiary.pk,
        )
    )
    return found


#: A path in these statuses does not put the person in breach of the attestation deadline:
#: the attestation is issued, due from the centre (« terminé »), or the person left the
#: province or was exempted.
NOT_IN_BREACH = (
    Parcours.Status.COMPLETED,
    Parcours.Status.ATTESTATION_ISSUED,
    Parcours.Status.TRANSFERRED,
    Parcours.Status.EXEMPTED,
)


def _attestation_breaches(files: QuerySet[Beneficiary], *, today: date) -> list[Breach]:
    """Obliged people whose attestation deadline in force passed without an attestation:
    their latest path (running, suspended or abandoned: abandoning does not end the
    obligation), or the deadline of their assessment when they never opened one. A path
    completed and waiting for the centre to issue the attestation is not the person's
    breach."""
    obliged = files.filter(obligation_status=ObligationStatus.OBLIGED)
    found: list[Breach] = []
    latest = Parcours.objects.filter(beneficiary=OuterRef("beneficiary")).order_by(
        "-opened_on", "-id"
    )
    # The deadline in force is never before the one from the rules: filter on that first,
    # in the database (only each person's latest path).
    paths = list(
        Parcours.objects.filter(
            beneficiary__in=obliged,
            kind=Parcours.Kind.OBLIGED,
            attestation_deadline__lt=today,
        )
        .exclude(status__in=NOT_IN_BREACH)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("beneficiary__office")
        .prefetch_related("extensions", "suspensions")
    )
    due = _attestation_due(paths, today=today)
    for parcours in paths:
        breach = rules.attestation_breach(deadline=due[parcours.pk], attested=False, today=today)
        if breach:
            found.append(Breach(parcours.beneficiary, breach.kind, breach.since))
    assessed = ObligationAssessment.objects.filter(beneficiary=OuterRef("pk")).order_by(
        "-assessed_at", "-id"
    )
    general = [
        path_rules.Period(s.start_on, min(s.end_on, today))
        for s in Suspension.objects.filter(parcours__isnull=True, start_on__lte=today)
    ]
    without_path = (
        obliged.exclude(Exists(Parcours.objects.filter(beneficiary=OuterRef("pk"))))
        .annotate(deadline=Subquery(assessed.values("attestation_deadline")[:1]))
        .filter(deadline__lt=today)
        .select_related("office")
    )
    for beneficiary in without_path:
        deadline = path_rules.effective_deadline(
            beneficiary.deadline,  # annotated above
            running_from=beneficiary.permit_ordered_on,
            suspensions=general,
        )
        breach = rules.attestation_breach(deadline=deadline, attested=False, today=today)
        if breach:
            found.append(Breach(beneficiary, breach.kind, breach.since))
    return found


def _absence_breaches(files: QuerySet[Beneficiary]) -> list[Breach]:
    """Two interviews missed without a valid reason on the person's current obliged path,
    each with at least one invitation recorded (the evidence the report needs)."""
    current = Parcours.objects.filter(beneficiary=OuterRef("parcours__beneficiary")).order_by(
        "-opened_on", "-id"
    )
    missed: dict[int, list[date]] = defaultdict(list)
    for beneficiary_id, held_on in (
        Evaluation.objects.filter(
            parcours__beneficiary__in=files.filter(obligation_status=ObligationStatus.OBLIGED),
            parcours__kind=Parcours.Kind.OBLIGED,
            attended=False,
            absence_justified=False,
            held_on__isnull=False,
            invitations__isnull=False,
        )
        .filter(parcours=Subquery(current.values("pk")[:1]))
        .distinct()
        .values_list("parcours__beneficiary_id", "held_on")
    ):
        if held_on is not None:
            missed[beneficiary_id].append(held_on)
    absent = {pk: rules.absences_breach(days) for pk, days in missed.items()}
    found: list[Breach] = []
    wanted = [pk for pk, breach in absent.items() if breach is not None]
    for beneficiary in files.filter(pk__in=wanted).select_related("office"):
        breach = absent[beneficiary.pk]
        assert breach is not None
        found.append(Breach(beneficiary, breach.kind, breach.since))
    return found


def breach_of(beneficiary: Beneficiary, kind: str, *, today: date) -> Breach | None:
    """The file's breach of this kind today (to open its non-compliance file)."""
    files = Beneficiary.objects.filter(pk=beneficiary.pk)
    breaches = current_breaches(files, today=today, with_opened=True)
    return next((b for b in breaches if b.kind == kind), None)


def scoped_cases(files: QuerySet[Beneficiary]) -> QuerySet[NonCompliance]:
    return NonCompliance.objects.filter(beneficiary__in=files).select_related(
        "beneficiary__office", "opened_by"
    )


def _d(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def report_snapshot(case: NonCompliance, *, today: date) -> dict[str, Any]:
    """Everything the report shows, as plain values (frozen when the report is sent):
    facts, dates, every invitation and its proof of sending, the waiting-list evidence, the
    justifications (force majeure, absences with a reason, pauses, extensions). Never a
    reason's text: it may be health data, and the Region needs to know that a valid reason
    was attested, not what it was (GDPR art. 9, need to know)."""
    beneficiary = case.beneficiary
    assessment = beneficiary.assessments.order_by("-assessed_at", "-id").first()
    parcours = current_path(beneficiary)
    snapshot: dict[str, Any] = {
        "centre": centre_snapshot(),
        "prepared_on": _d(today),
        "kind": str(case.get_kind_display()),
        "breach_on": _d(case.breach_on),
        "person": {
            "full_name": beneficiary.full_name,
            "file_number": beneficiary.file_number,
            "birth_date": _d(beneficiary.birth_date),
            "nationality": str(beneficiary.nationality.name) if beneficiary.nationality else "",
            "commune": beneficiary.commune.name if beneficiary.commune_id else "",
        },
        "obligation": {
            "status": obligation_rules.STATUS_LABELS.get(
                assessment.status if assessment else "", ""
            ),
            "regime": obligation_rules.REGIME_LABELS.get(
                assessment.regime if assessment else "", ""
            ),
            "assessed_on": _d(assessment.assessed_on) if assessment else "",
        },
        "references": {
            "definition": obligation_rules.LEGAL_REFERENCES["definition"],
            "obligation": obligation_rules.LEGAL_REFERENCES["obligation"],
            "no_place": obligation_rules.LEGAL_REFERENCES["no_place"],
        },
        "dates": [
            (_("Début du séjour légal en Belgique"), _d(beneficiary.stay_started_on)),
            (
                _("Première inscription en région de langue française"),
                _d(beneficiary.first_registration_on),
            ),
            (_("Premier titre de séjour commandé le"), _d(beneficiary.permit_ordered_on)),
            (_("Se présenter au CAI avant le"), _d(beneficiary.presentation_deadline)),
            (_("Présenté·e au CAI le"), _d(beneficiary.presented_on) or _("pas encore")),
        ],
        "force_majeure": [
            {"start": _d(f.start_on), "end": _d(f.end_on)} for f in beneficiary.force_majeure.all()
        ],
        "path": None,
        "evaluations": [],
        "waiting_list": [
            {"at": _d(event.at.date()), "summary": event.summary}
            for event in audit.evidence_trail(beneficiary.pk, audit.WAITING_LIST_EVIDENCE)
        ],
    }
    if parcours is None:
        return snapshot
    due = _attestation_due([parcours], today=today)[parcours.pk]
    snapshot["dates"].append((_("Attestation à obtenir avant le"), _d(due)))
    axes = parcours.axes.exclude(status=Axis.Status.NOT_REQUIRED).annotate(done=Sum("hours__hours"))
    first_signed = parcours.conventions.order_by("version").values_list("signed_on", flat=True)
    signed_on = first_signed.first()
    snapshot["path"] = {
        "kind": str(parcours.get_kind_display()),
        "status": str(parcours.get_status_display()),
        "opened_on": _d(parcours.opened_on),
        "convention_signed_on": _d(signed_on),
        "axes": [
            {
                "label": str(AxisKind(axis.kind).label),
                "required": f"{axis.required_hours.normalize():f}",
                "done": f"{(getattr(axis, 'done', None) or Decimal('0')).normalize():f}",
                "started_on": _d(axis.started_on),
                # Waiting for a place (from the convention to the start of the training):
                # evidence that the Region did not provide a place (art. 152/8).
                "waited_days": (
                    ((axis.started_on or today) - signed_on).days
                    if signed_on and axis.kind != AxisKind.ORIENTATION
                    else None
                ),
            }
            for axis in axes.order_by("id")
        ],
        "pauses": [
            {"start": _d(s.start_on), "end": _d(s.end_on)} for s in parcours.suspensions.all()
        ],
        "extensions": [
            {
                "deadline": str(x.get_deadline_display()),
                "new_end_on": _d(x.new_end_on),
                "decided_on": _d(x.decided_on),
            }
            for x in parcours.extensions.all()
        ],
    }
    for evaluation in parcours.evaluations.prefetch_related("invitations").order_by("due_on"):
        snapshot["evaluations"].append(
            {
                "due_on": _d(evaluation.due_on),
                "held_on": _d(evaluation.held_on),
                "presence": evaluation.presence_label if evaluation.held_on else "",
                "invitations": [
                    {
                        "channel": str(i.get_channel_display()),
                        "sent_on": _d(i.sent_on),
                        "proof": i.proof_number,
                    }
                    for i in evaluation.invitations.all()
                ],
            }
        )
    return snapshot
