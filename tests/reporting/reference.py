"""The figures counted the slow, obvious way: every object loaded and looked at in Python,
following the definitions of docs/domain.md (« Indicators ») — an independent count the
database's aggregates are checked against (tests) and raced against (bench.reporting).

Each function returns ``{figure: set of file ids}`` (or sums), never a query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from appointments.models import Appointment, Seat
from attestations.models import Attestation
from beneficiaries.models import Beneficiary
from cainamur.models import AuditEvent
from operators.models import Orientation
from outbox.models import Dispatch
from parcours.models import (
    Axis,
    Convention,
    Extension,
    HoursEntry,
    ObligationAssessment,
    Parcours,
    Suspension,
    WelcomeModule,
)
from parcours.selectors import path_deadlines
from reception.models import Callback, QueueTicket
from reporting import nationality
from reporting.scope import Scope, age_band_birth_dates

Ids = set[int]


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def in_scope(scope: Scope) -> dict[int, Beneficiary]:
    """The files of the scope, by reading every file and testing each filter in Python."""
    chosen = scope.filters
    offices = scope.office_ids
    paths_by_file: dict[int, list[Parcours]] = defaultdict(list)
    for parcours in Parcours.objects.iterator():
        paths_by_file[parcours.beneficiary_id].append(parcours)
    kept: dict[int, Beneficiary] = {}
    for file in Beneficiary.objects.select_related("commune").iterator(chunk_size=5000):
        if offices is not None and file.office_id not in offices:
            continue
        if chosen.commune and file.commune_id != chosen.commune:
            continue
        if chosen.arrondissement and file.commune.arrondissement != chosen.arrondissement:
            continue
        if chosen.caseworker and file.caseworker_id != chosen.caseworker:
            continue
        if chosen.regime:
            paths = paths_by_file[file.pk]
            if chosen.regime == "voluntary":
                if not any(p.kind == "voluntary" for p in paths):
                    continue
            elif not any(p.kind == "obliged" and p.regime == chosen.regime for p in paths):
                continue
        if chosen.nationality and nationality.group_of(str(file.nationality)) != chosen.nationality:
            continue
        if chosen.sex and file.sex != chosen.sex:
            continue
        if chosen.age_band:
            earliest, latest = age_band_birth_dates(chosen.age_band, scope.period.end)
            if file.birth_date > latest or (earliest and file.birth_date <= earliest):
                continue
        kept[file.pk] = file
    return kept


def _ids(rows: Iterable[Any], files: dict[int, Beneficiary], attribute: str) -> Ids:
    found: Ids = set()
    for row in rows:
        value: Any = row
        for part in attribute.split("."):
            value = getattr(value, part)
        if value in files:
            found.add(value)
    return found


def files_figures(scope: Scope) -> dict[str, Ids]:
    files = in_scope(scope)
    period, today = scope.period, scope.today
    found: dict[str, Ids] = defaultdict(set)
    for pk, file in files.items():
        if file.presented_on and period.contains(file.presented_on):
            found["received"].add(pk)
        if period.contains(local_day(file.created_at)):
            found["opened"].add(pk)
        deadline = file.presentation_deadline
        if file.obligation_status == "obliged" and deadline and period.contains(deadline):
            if file.presented_on and file.presented_on <= deadline:
                found["presentation:met"].add(pk)
            elif deadline < today:
                found["presentation:missed"].add(pk)
            elif file.presented_on is None:
                found["presentation:upcoming"].add(pk)
    return found


def obligation(scope: Scope) -> dict[str, Ids]:
    files = in_scope(scope)
    _lo, hi = scope.period.bounds()
    opened = {pk for pk in files if scope.period.contains(local_day(files[pk].created_at))}
    latest: dict[int, ObligationAssessment] = {}
    for assessment in ObligationAssessment.objects.iterator(chunk_size=5000):
        if assessment.beneficiary_id not in opened or assessment.assessed_at >= hi:
            continue
        held = latest.get(assessment.beneficiary_id)
        if held is None or (assessment.assessed_at, assessment.pk) > (held.assessed_at, held.pk):
            latest[assessment.beneficiary_id] = assessment
    found: dict[str, Ids] = defaultdict(set)
    for pk in opened:
        assessment = latest.get(pk)
        if assessment is None:
            found["obligation:unassessed"].add(pk)
            continue
        found[f"obligation:{assessment.status}"].add(pk)
        if assessment.status == "exempt":
            for reason in assessment.reasons:
                found[f"exemption:{reason}"].add(pk)
    return found


def paths(scope: Scope) -> dict[str, Any]:
    files = in_scope(scope)
    period = scope.period
    lo, hi = period.bounds()
    found: dict[str, Any] = defaultdict(set)
    for parcours in Parcours.objects.iterator():
        if parcours.beneficiary_id not in files:
            continue
        if period.contains(parcours.opened_on):
            found[f"paths_opened:{parcours.kind}"].add(parcours.beneficiary_id)
            found["count:paths_opened"] = found.get("count:paths_opened", 0) + 1
        ended = parcours.status in ("abandoned", "transferred", "exempted")
        if ended and parcours.closed_on and period.contains(parcours.closed_on):
            found[f"paths_ended:{parcours.status}"].add(parcours.beneficiary_id)
    for suspension in Suspension.objects.select_related("parcours"):
        path = suspension.parcours
        if path and path.beneficiary_id in files and period.contains(suspension.start_on):
            found["suspended"].add(path.beneficiary_id)
    for welcome in WelcomeModule.objects.select_related("parcours").iterator(chunk_size=5000):
        steps = [welcome.social_assessment_on, welcome.rights_duties_on, welcome.french_test_on]
        complete = bool(
            welcome.social_assessment_on
            and welcome.rights_duties_on
            and (welcome.french_test_on or welcome.french_level == "not_needed")
        )
        if complete and welcome.parcours.beneficiary_id in files:
            done_on = max(day for day in steps if day)
            if period.contains(done_on):
                found["welcome_completed"].add(welcome.parcours.beneficiary_id)
    for convention in Convention.objects.select_related("parcours").iterator(chunk_size=5000):
        if convention.parcours.beneficiary_id in files and period.contains(convention.signed_on):
            key = "conventions:first" if convention.version == 1 else "conventions:amendment"
            found[key].add(convention.parcours.beneficiary_id)
    hours: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in HoursEntry.objects.select_related("axis__parcours").iterator(chunk_size=5000):
        file_id = entry.axis.parcours.beneficiary_id
        if file_id in files and period.contains(entry.on):
            hours[(entry.axis.kind, entry.axis.operator)] += entry.hours
            found[f"hours:{entry.axis.kind}"].add(file_id)
            found[f"hours:{entry.axis.kind}|{entry.axis.operator}"].add(file_id)
    found["hours_sum"] = dict(hours)
    axes: dict[str, int] = defaultdict(int)
    for axis in Axis.objects.select_related("parcours").iterator(chunk_size=5000):
        file_id = axis.parcours.beneficiary_id
        if file_id in files and axis.completed_on and period.contains(axis.completed_on):
            found[f"axes_completed:{axis.kind}"].add(file_id)
            axes[axis.kind] += 1
    found["axes_count"] = dict(axes)
    for attestation in Attestation.objects.iterator():
        if attestation.beneficiary_id not in files:
            continue
        if attestation.replaces_id is None and period.contains(attestation.issued_on):
            found[f"attestations:{attestation.kind}"].add(attestation.beneficiary_id)
        if (
            attestation.status == "revoked"
            and attestation.revoked_at
            and lo <= attestation.revoked_at < hi
        ):
            found["attestations:revoked"].add(attestation.beneficiary_id)
    for copy in Dispatch.objects.filter(purpose="attestation_copy").select_related("attestation"):
        file_id = copy.attestation.beneficiary_id
        if file_id not in files:
            continue
        if copy.status == "sent" and copy.sent_at and lo <= copy.sent_at < hi:
            found[f"copies:{copy.recipient_kind}"].add(file_id)
            found[f"count:copies:{copy.recipient_kind}"] = (
                found.get(f"count:copies:{copy.recipient_kind}", 0) + 1
            )
        if (
            copy.status in ("queued", "sending", "failed", "needs_address")
            and lo <= copy.created_at < hi
        ):
            found["copies:pending"].add(file_id)
    return found


def attestation_deadlines(scope: Scope) -> dict[str, Ids]:
    """Through the file page's own function (``path_deadlines``): the deadline in force."""
    files = in_scope(scope)
    today = scope.today
    general = list(Suspension.objects.filter(parcours__isnull=True))
    latest: dict[int, Parcours] = {}
    for parcours in Parcours.objects.select_related("beneficiary").iterator(chunk_size=5000):
        held = latest.get(parcours.beneficiary_id)
        if held is None or (parcours.opened_on, parcours.pk) > (held.opened_on, held.pk):
            latest[parcours.beneficiary_id] = parcours
    suspensions: dict[int, list[Suspension]] = defaultdict(list)
    for suspension in Suspension.objects.filter(parcours__isnull=False).iterator():
        suspensions[suspension.parcours_id].append(suspension)
    extensions: dict[int, list[Extension]] = defaultdict(list)
    for extension in Extension.objects.iterator():
        extensions[extension.parcours_id].append(extension)
    attestations: dict[int, list[Attestation]] = defaultdict(list)
    for attestation in Attestation.objects.iterator():
        attestations[attestation.parcours_id].append(attestation)
    found: dict[str, Ids] = defaultdict(set)
    for file_id, parcours in latest.items():
        if file_id not in files or parcours.kind != "obliged":
            continue
        if parcours.status in ("transferred", "exempted"):
            continue
        deadlines, _axes = path_deadlines(
            parcours,
            axes=[],
            suspensions=[*general, *suspensions[parcours.pk]],
            extensions=extensions[parcours.pk],
            today=today,
        )
        due = next(d.effective for d in deadlines if d.kind == "attestation")
        if due is None or not scope.period.contains(due):
            continue
        attested = any(
            a.status != "revoked" and a.issued_on <= due for a in attestations[parcours.pk]
        )
        if attested:
            found["attestation_deadline:met"].add(file_id)
        elif due < today:
            found["attestation_deadline:missed"].add(file_id)
        else:
            found["attestation_deadline:upcoming"].add(file_id)
    return found


def waits(scope: Scope) -> dict[str, Any]:
    files = in_scope(scope)
    lo, hi = scope.period.bounds()
    now = timezone.now()
    found: dict[str, Any] = defaultdict(set)
    days: dict[tuple[str, str], float] = defaultdict(float)
    for orientation in Orientation.objects.select_related("offer__operator"):
        if orientation.beneficiary_id not in files or orientation.waiting_since is None:
            continue
        steps = [
            event
            for event in AuditEvent.objects.filter(
                object_type__model="orientation", object_id=orientation.pk
            )
            if event.data.get("from") == "waiting"
            and event.data.get("to") != "waiting"
            and event.at >= orientation.waiting_since
        ]
        left = min((event.at for event in steps), default=None)
        start = max(orientation.waiting_since, lo)
        end = min(left or now, hi)
        if end <= start:
            continue
        key = (orientation.offer.axis, orientation.offer.operator.name)
        days[key] += (end - start).total_seconds() / 86400
        found[f"waiting:{key[0]}"].add(orientation.beneficiary_id)
        found[f"waiting:{key[0]}|{key[1]}"].add(orientation.beneficiary_id)
    found["days"] = dict(days)
    return found


def appointments(scope: Scope) -> dict[str, Any]:
    files = in_scope(scope)
    lo, hi = scope.period.bounds()
    held = {"arrived", "done"}
    found: dict[str, Any] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    outcomes = {"arrived": "held", "done": "held", "no_show": "no_show", "missed": "missed"}
    outcomes["cancelled"] = "cancelled"
    for appointment in Appointment.objects.iterator(chunk_size=5000):
        start = appointment.during.lower
        if appointment.beneficiary_id not in files or not lo <= start < hi:
            continue
        outcome = outcomes.get(appointment.status)
        if outcome:
            counts[outcome] += 1
            found[f"appointments:{outcome}"].add(appointment.beneficiary_id)
        if appointment.status in held and appointment.interpreter_language:
            counts[f"interpreter:{appointment.interpreter_language}"] += 1
            found[f"interpreter:{appointment.interpreter_language}"].add(appointment.beneficiary_id)
    seat_outcomes = {"arrived": "held", "no_show": "no_show", "cancelled": "cancelled"}
    for seat in Seat.objects.select_related("session").iterator(chunk_size=5000):
        start = seat.session.during.lower
        if seat.beneficiary_id not in files or not lo <= start < hi:
            continue
        outcome = seat_outcomes.get(seat.status)
        if outcome:
            counts[outcome] += 1
            found[f"appointments:{outcome}"].add(seat.beneficiary_id)
        if seat.status == "arrived" and seat.interpreter_language:
            counts[f"interpreter:{seat.interpreter_language}"] += 1
            found[f"interpreter:{seat.interpreter_language}"].add(seat.beneficiary_id)
    found["counts"] = dict(counts)
    return found


def desk(scope: Scope) -> dict[str, Any]:
    """Walk-ins and call-backs: counted by their office; with a filter on the person,
    only those linked to a matching file."""
    files = in_scope(scope)
    offices = scope.office_ids
    lo, hi = scope.period.bounds()
    counts: dict[str, int] = defaultdict(int)
    delays: list[float] = []
    for ticket in QueueTicket.objects.select_related("permanence"):
        if not scope.period.contains(ticket.on):
            continue
        if offices is not None and ticket.permanence.office_id not in offices:
            continue
        if scope.filters.on_people and ticket.beneficiary_id not in files:
            continue
        if ticket.status == "done":
            counts[f"permanence:{ticket.topic or 'none'}"] += 1
        elif ticket.status == "left":
            counts["permanence:left"] += 1
    for callback in Callback.objects.all():
        if not lo <= callback.created_at < hi:
            continue
        if offices is not None and callback.office_id not in offices:
            continue
        if scope.filters.on_people and callback.beneficiary_id not in files:
            continue
        counts["callbacks:received"] += 1
        if callback.status == "done" and callback.closed_at:
            counts["callbacks:done"] += 1
            delays.append((callback.closed_at - callback.created_at).total_seconds() / 86400)
        if callback.status == "open":
            counts["callbacks:open"] += 1
    return {"counts": dict(counts), "delays": sorted(delays)}


def median(values: list[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2
