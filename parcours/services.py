"""Writes on the integration path and the obligation assessment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.models import Beneficiary, Exemption
from cainamur import audit
from cainamur.celery import queue_on_commit
from cainamur.lib import plausible
from cainamur.lib.text import field_labels
from cainamur.models import User
from cainamur.pdf import pdf_retry
from cainamur.roles import Role
from parcours import path_rules, rules
from parcours.documents import convention_freeze
from parcours.models import (
    CLOSING,
    OPEN_STATUSES,
    TRANSITIONS,
    UNDER_CONVENTION,
    WELCOME_EDITABLE,
    Axis,
    AxisKind,
    Convention,
    Evaluation,
    EvaluationInvitation,
    Extension,
    ForceMajeure,
    HoursEntry,
    ObligationAssessment,
    Parcours,
    RulesConfig,
    Suspension,
    WelcomeModule,
)


def person_facts(
    beneficiary: Beneficiary, *, on: date, exemptions: frozenset[str] | None = None
) -> rules.PersonFacts:
    """The facts the rules need on ``on``, read from the file and its proven exemptions
    (read from the database unless given): a proof dated after ``on`` does not count, so
    no one becomes exempt retroactively, nor does an exemption whose last day has passed."""
    if exemptions is None:
        exemptions = frozenset(
            code
            for code, proven_on, until in beneficiary.exemptions.values_list(
                "code", "proven_on", "valid_until"
            )
            if plausible.counts_on(proven_on, on, until=until)
        )
    return rules.PersonFacts(
        birth_date=beneficiary.birth_date,
        nationality=str(beneficiary.nationality.code),
        first_registration_on=beneficiary.first_registration_on,
        permit_ordered_on=beneficiary.permit_ordered_on,
        permit_over_3_months=beneficiary.permit_over_3_months,
        eu_family_member=beneficiary.eu_family_member,
        protection_applicant=beneficiary.protection_applicant,
        temporary_protection=beneficiary.temporary_protection,
        exemptions=exemptions,
        stay_started_on=beneficiary.stay_started_on,
        eu_family_free_movement=beneficiary.eu_family_free_movement,
        second_nationality=str(beneficiary.second_nationality.code) or None,
    )


def facts_json(facts: rules.PersonFacts) -> dict[str, Any]:
    data = asdict(facts)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    data["exemptions"] = sorted(facts.exemptions)
    return data


def obligation_assess(
    *, beneficiary: Beneficiary, by: User | None, trigger: str, on: date | None = None
) -> ObligationAssessment:
    """Run the obligation rules on the file now, keep the result, copy the status onto the
    file (for filtering). Called whenever a fact the rules read changes."""
    on = on or timezone.localdate()
    config = RulesConfig.current()
    facts = person_facts(beneficiary, on=on)
    standstill = frozenset(config.standstill_nationalities)
    result = rules.assess_obligation(
        facts,
        on,
        regime_2024_start=config.regime_2024_start,
        standstill_nationalities=standstill,
    )
    with transaction.atomic():
        assessment = ObligationAssessment.objects.create(
            beneficiary=beneficiary,
            assessed_on=on,
            assessed_by=by,
            trigger=trigger[:200],
            facts=facts_json(facts),
            regime_2024_start=config.regime_2024_start,
            standstill_nationalities=sorted(standstill),
            status=result.status,
            reasons=list(result.reasons),
            missing=list(result.missing),
            regime=result.regime or "",
            presentation_deadline=result.presentation_deadline,
            attestation_deadline=result.attestation_deadline,
        )
        presentation = presentation_in_force(beneficiary, result.presentation_deadline)
        if (beneficiary.obligation_status, beneficiary.presentation_deadline) != (
            result.status,
            presentation,
        ):
            Beneficiary.objects.filter(pk=beneficiary.pk).update(
                obligation_status=result.status,
                presentation_deadline=presentation,
            )
            beneficiary.obligation_status = result.status
            beneficiary.presentation_deadline = presentation
        _path_follows(beneficiary, result, by=by)
        audit.record(
            action="parcours.obligation_assess",
            beneficiary=beneficiary,
            by=by,
            summary=gettext("Obligation évaluée : %(status)s (%(why)s)")
            % {"status": assessment.get_status_display(), "why": trigger},
        )
    return assessment


def presentation_in_force(beneficiary: Beneficiary, deadline: date | None) -> date | None:
    """The presentation deadline moved by every day of « force majeure dûment attestée »
    (the clock stops; docs/domain.md, « Deadlines »)."""
    if deadline is None:
        return None
    periods = [f.period for f in beneficiary.force_majeure.all()]
    if not periods:
        return deadline
    # The clock runs from the day the person became subject: days before do not count.
    registration, permit = beneficiary.first_registration_on, beneficiary.permit_ordered_on
    subject = path_rules.clock_start(registration, permit)
    return path_rules.shift_for_suspensions(
        deadline, running_from=subject or deadline, suspensions=periods
    )


def force_majeure_record(
    *,
    beneficiary: Beneficiary,
    start_on: date,
    end_on: date,
    reason: str,
    document: Any,
    by: User,
) -> ForceMajeure:
    """Keep a force majeure with its document; the presentation deadline moves by its days
    (on the file's copy and on its open path)."""
    with transaction.atomic():
        record = ForceMajeure(
            beneficiary=beneficiary,
            start_on=start_on,
            end_on=end_on,
            reason=reason.strip(),
            document=document,
            recorded_by=by,
        )
        record.full_clean()  # its dates (ForceMajeure.clean), as the form checks them
        record.save()
        assessment = beneficiary.assessments.order_by("-assessed_at", "-id").first()
        base = assessment.presentation_deadline if assessment else None
        moved = presentation_in_force(beneficiary, base)
        Beneficiary.objects.filter(pk=beneficiary.pk).update(presentation_deadline=moved)
        beneficiary.presentation_deadline = moved
        audit.record(
            by=by,
            action="parcours.force_majeure_record",
            summary=gettext("Force majeure du %(start)s au %(end)s (document joint)")
            % {"start": f"{start_on:%d/%m/%Y}", "end": f"{end_on:%d/%m/%Y}"},
            beneficiary=beneficiary,
            obj=record,
            reason=reason,
        )
    return record


def _path_follows(beneficiary: Beneficiary, result: rules.Assessment, *, by: User | None) -> None:
    """An open path follows a changed obligation (docs/domain.md, « Changes during the
    path »): obliged now, a voluntary path becomes obliged and its deadlines appear; exempt
    or not concerned now, an obliged path goes on voluntarily with all its hours, its
    deadlines disappear, and no copies will be owed. « À compléter » changes nothing."""
    if result.status == rules.INCOMPLETE:
        return
    obliged = result.status == rules.OBLIGED
    for parcours in Parcours.objects.select_for_update().filter(
        beneficiary=beneficiary, status__in=OPEN_STATUSES
    ):
        became = (parcours.kind == Parcours.Kind.VOLUNTARY) == obliged
        parcours.kind = Parcours.Kind.OBLIGED if obliged else Parcours.Kind.VOLUNTARY
        # Obliged: the facts decide the deadlines (e.g. a corrected permit date).
        parcours.regime = result.regime or ""
        parcours.presentation_deadline = result.presentation_deadline
        parcours.attestation_deadline = result.attestation_deadline
        parcours.save(
            update_fields=["kind", "regime", "presentation_deadline", "attestation_deadline"]
        )
        if became:
            audit.record(
                by=by,
                action="parcours.kind_change",
                summary=(
                    gettext("Parcours devenu obligatoire : les échéances légales s'appliquent")
                    if obliged
                    else gettext(
                        "Parcours poursuivi volontairement : plus d'échéances légales, pas de "
                        "copie de l'attestation"
                    )
                ),
                beneficiary=beneficiary,
                obj=parcours,
                data={"kind": parcours.kind},
            )


#: Ages at which the outcome changes with time alone (CRWASS: under 18, 65 and over).
AGE_THRESHOLDS = (18, 65)
#: The nightly run looks back this many days, so that a night without a worker is caught up.
NIGHTLY_LOOKBACK_DAYS = 7


def birthdays_due(*, on: date, files: QuerySet[Beneficiary] | None = None) -> QuerySet[Beneficiary]:
    """Files whose person turned 18 or 65 in the last week (birthdays on 29 February fall on
    1 March in common years, as the rules count them)."""
    files = files if files is not None else Beneficiary.objects.all()
    since = on - timedelta(days=NIGHTLY_LOOKBACK_DAYS)
    window = Q()
    for age in AGE_THRESHOLDS:
        window |= Q(
            birth_date__gt=rules.add_months(since, -12 * age),
            birth_date__lte=rules.add_months(on, -12 * age),
        )
    return files.filter(window)


def exemptions_ended(*, on: date) -> QuerySet[Beneficiary]:
    """Files with an exemption whose last day has passed since their latest assessment
    (or never assessed): the rules must run again without it."""
    latest = (
        ObligationAssessment.objects.filter(beneficiary=OuterRef("beneficiary"))
        .order_by("-assessed_at")
        .values("assessed_on")[:1]
    )
    ended = (
        Exemption.objects.filter(valid_until__lt=on)
        .annotate(latest_on=Subquery(latest))
        .filter(Q(latest_on__isnull=True) | Q(latest_on__lte=F("valid_until")))
        .values("beneficiary_id")
    )
    return Beneficiary.objects.filter(pk__in=ended)


def obligations_reassess_nightly(*, on: date | None = None, batch: int = 500) -> int:
    """Re-run the rules for every file whose outcome can change with time (an 18th or 65th
    birthday, or the end of an exemption, since its latest assessment), in batches; each
    change is a new assessment by « système ». Returns how many files were assessed
    again."""
    on = on or timezone.localdate()
    assessed = 0
    candidates = birthdays_due(on=on).order_by("pk").values_list("pk", "birth_date")
    for pks in _batches(candidates, batch):
        latest = dict(
            ObligationAssessment.objects.filter(beneficiary_id__in=[pk for pk, _b in pks])
            .order_by("beneficiary_id", "-assessed_at")
            .distinct("beneficiary_id")
            .values_list("beneficiary_id", "assessed_on")
        )
        due = [
            pk
            for pk, birth_date in pks
            if (birthday := _last_threshold_birthday(birth_date, on)) is not None
            and (pk not in latest or latest[pk] < birthday)
        ]
        for beneficiary in Beneficiary.objects.filter(pk__in=due).order_by("pk"):
            obligation_assess(
                beneficiary=beneficiary,
                by=None,
                trigger=gettext("Réévaluation de nuit : anniversaire"),
                on=on,
            )
            assessed += 1
    # After the birthdays: a file both had is assessed once (its assessment is now today's).
    for pks in _batches(exemptions_ended(on=on).order_by("pk").values_list("pk", flat=True), batch):
        for beneficiary in Beneficiary.objects.filter(pk__in=pks).order_by("pk"):
            obligation_assess(
                beneficiary=beneficiary,
                by=None,
                trigger=gettext("Réévaluation de nuit : fin de dispense"),
                on=on,
            )
            assessed += 1
    return assessed


def _last_threshold_birthday(birth_date: date, on: date) -> date | None:
    """The day the person reached 18 or 65 (the latest not after ``on``), if any."""
    reached = [day for day in (_birthday(birth_date, age) for age in AGE_THRESHOLDS) if day <= on]
    return max(reached) if reached else None


def _birthday(birth_date: date, age: int) -> date:
    """The day someone born on ``birth_date`` turns ``age`` (29 February → 1 March in a
    common year, as :func:`rules.age_on` counts it)."""
    try:
        return birth_date.replace(year=birth_date.year + age)
    except ValueError:  # 29 February in a common year
        return date(birth_date.year + age, 3, 1)


def _batches(rows: Any, size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- The path ---------------------------------------------------------------------------


RENDER_TASK = "parcours.tasks.render_convention_pdf"


class PathError(ValueError):
    """A step the path's state does not allow; the message is for the user (French)."""


def _move(parcours: Parcours, to: str, *, on: date, by: User | None, why: str = "") -> None:
    if to not in TRANSITIONS[parcours.status]:
        raise PathError(
            gettext("Le parcours ne peut pas passer de « %(from)s » à « %(to)s ».")
            % {"from": parcours.get_status_display(), "to": Parcours.Status(to).label}
        )
    before = parcours.get_status_display()
    if to == Parcours.Status.SUSPENDED:
        parcours.resume_status = parcours.status
    elif parcours.status == Parcours.Status.SUSPENDED:
        parcours.resume_status = ""
    parcours.status = to
    if to in CLOSING:
        parcours.closed_on = on
    else:
        parcours.closed_on = None
    parcours.save(update_fields=["status", "resume_status", "closed_on"])
    message = gettext("Parcours : %(from)s → %(to)s") % {
        "from": before,
        "to": parcours.get_status_display(),
    }
    audit.record(
        action="parcours.move",
        beneficiary=parcours.beneficiary,
        obj=parcours,
        by=by,
        summary=message,
        reason=why,
        data={"from": str(before), "to": to},
    )


def parcours_open(
    *, beneficiary: Beneficiary, by: User, on: date | None = None, voluntary: bool = False
) -> Parcours:
    """Open the path: obliged when the latest assessment says so, else as a volunteer."""
    on = on or timezone.localdate()
    if problem := plausible.past_or_today(on, today=timezone.localdate()):
        raise PathError(problem)
    with transaction.atomic():
        type(beneficiary).objects.select_for_update().get(pk=beneficiary.pk)
        if Parcours.objects.filter(beneficiary=beneficiary, status__in=OPEN_STATUSES).exists():
            raise PathError(gettext("Ce dossier a déjà un parcours ouvert."))
        # Assess today (age and configuration may have changed since the last time).
        assessment = obligation_assess(
            beneficiary=beneficiary, by=by, trigger=gettext("Ouverture du parcours"), on=on
        )
        if assessment.status == rules.INCOMPLETE and not voluntary:
            # The obligation cannot be decided: complete the file (or choose, knowingly, a
            # voluntary path, which becomes obliged if the completed facts say so).
            raise PathError(
                gettext("Complétez d'abord le dossier : %(missing)s.")
                % {"missing": ", ".join(assessment.missing_labels)}
            )
        obliged = assessment is not None and assessment.status == rules.OBLIGED
        if not obliged and not voluntary:
            raise PathError(
                gettext(
                    "La personne n'est pas obligée de suivre le parcours : ouvrez-le comme "
                    "parcours volontaire."
                )
            )
        parcours = Parcours.objects.create(
            beneficiary=beneficiary,
            opened_on=on,
            opened_by=by,
            kind=Parcours.Kind.OBLIGED if obliged else Parcours.Kind.VOLUNTARY,
            regime=assessment.regime if assessment and obliged else "",
            presentation_deadline=(
                assessment.presentation_deadline if assessment and obliged else None
            ),
            attestation_deadline=(
                assessment.attestation_deadline if assessment and obliged else None
            ),
        )
        WelcomeModule.objects.create(parcours=parcours)
        audit.record(
            action="parcours.open",
            beneficiary=beneficiary,
            obj=parcours,
            by=by,
            summary=gettext("Parcours ouvert (%(kind)s)")
            % {"kind": parcours.get_kind_display().lower()},
        )
    return parcours


def welcome_update(*, parcours: Parcours, data: dict[str, Any], by: User) -> list[str]:
    """Record the welcome module's steps; returns the fields that changed."""
    editable = WELCOME_EDITABLE
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        if parcours.status not in editable:
            raise PathError(gettext("Le module d'accueil ne peut plus être modifié."))
        welcome = WelcomeModule.objects.get(parcours=parcours)
        changed = [name for name, value in data.items() if getattr(welcome, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(welcome, name, data[name])
        welcome.full_clean()
        welcome.save()
        labels = field_labels(WelcomeModule, changed)
        audit.record(
            action="parcours.welcome_update",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=gettext("Module d'accueil : %(fields)s") % {"fields": labels},
        )
    return changed


def convention_sign(
    *,
    parcours: Parcours,
    signed_on: date,
    start_on: date,
    by: User,
    citizenship_hours: Decimal,
    french_required: bool,
    french_hours: Decimal,
    orientation_required: bool,
    orientation_hours: Decimal,
    amendment_reason: str = "",
) -> Convention:
    """Sign the convention (first version) or an amendment (a new version; the old ones
    stay readable). Creates the required axes, schedules the first evaluation, and queues
    the PDF."""
    for hours in (citizenship_hours, french_hours, orientation_hours):
        if problem := plausible.hours_amount(hours):
            raise PathError(problem)
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        previous = parcours.conventions.first()
        if previous is None:
            if parcours.status != Parcours.Status.WELCOME:
                raise PathError(gettext("La convention se signe à la fin du module d'accueil."))
            if not parcours.welcome.is_complete:
                raise PathError(
                    gettext(
                        "Le module d'accueil n'est pas terminé : il manque le bilan social, la "
                        "séance droits et devoirs ou le test de français."
                    )
                )
        else:
            if parcours.status not in UNDER_CONVENTION:
                raise PathError(gettext("Un avenant n'est plus possible à ce stade."))
            if not amendment_reason.strip():
                raise PathError(gettext("Un avenant doit indiquer son motif."))
        convention = Convention(
            parcours=parcours,
            version=(previous.version + 1) if previous else 1,
            start_on=start_on,
            signed_on=signed_on,
            signed_by=by,
            citizenship_hours=citizenship_hours,
            french_required=french_required,
            french_hours=french_hours,
            orientation_required=orientation_required,
            orientation_hours=orientation_hours,
            amendment_reason=amendment_reason.strip(),
        )
        convention.full_clean()
        convention.save()
        required = convention.required_hours()
        for kind in AxisKind.values:
            axis, _created = Axis.objects.get_or_create(
                parcours=parcours,
                kind=kind,
                defaults={"required_hours": required.get(kind, Decimal("0"))},
            )
            if kind in required:
                axis.required_hours = required[kind]
                # The axis window (4 months citizenship, 16 French) runs from the actual
                # start of the training (first hours, or the start of the enrolled offer),
                # not from the convention while the person waits for a place.
                # An amendment may change the target: the status follows the ledger.
                _set_axis_status(axis, axis_total(axis), on=signed_on)
            else:
                axis.status = Axis.Status.NOT_REQUIRED
                axis.completed_on = None
            axis.save()
        if previous is None:
            _move(parcours, Parcours.Status.CONVENTION_SIGNED, on=signed_on, by=by)
            Evaluation.objects.create(
                parcours=parcours, due_on=path_rules.next_evaluation_due(signed_on)
            )
        audit.record(
            action="parcours.convention_sign",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=gettext("Convention v%(version)s signée le %(date)s")
            % {"version": convention.version, "date": f"{signed_on:%d/%m/%Y}"},
        )
        _refresh_completion(parcours, on=signed_on, by=by)
        convention_freeze(convention)
        queue_on_commit(RENDER_TASK, convention.pk)
    return convention


NOTE_LENGTH = HoursEntry._meta.get_field("note").max_length


def may_confirm_hours(user: User | None) -> bool:
    """Who may credit an axis beyond its hours and the tolerance: a coordinator."""
    return user is not None and user.has_role(Role.COORDINATOR)


def hours_line_problems(
    *,
    axis: Axis,
    on: date,
    hours: Decimal,
    note: str = "",
    by: User | None,
    excess_confirmed: bool = False,
    first_day: date | None = None,
) -> dict[str, str]:
    """What is implausible in a line of hours, by field (``on``, ``hours``, ``note``): the
    hours form shows each on its field, :func:`hours_record` refuses the line with them.

    The day has come and is not before the convention's start; the hours are a finite
    number with two decimals, not zero, never more than a day holds (``CAI_HOURS_PER_DAY``;
    for each day from ``first_day`` to ``on`` for an operator's period), never a negative
    total; and past the required hours plus the tolerance (``CAI_HOURS_TOLERANCE_PERCENT``)
    only with a coordinator's confirmation."""
    errors: dict[str, str] = {}
    if problem := plausible.past_or_today(on, today=timezone.localdate()):
        errors["on"] = problem
    else:
        convention = Convention.objects.filter(parcours_id=axis.parcours_id).first()
        if convention is not None and on < convention.start_on:
            errors["on"] = gettext("Ces heures précèdent le début de la convention (%(date)s).") % {
                "date": f"{convention.start_on:%d/%m/%Y}"
            }
    if problem := plausible.too_long(note, max_length=NOTE_LENGTH):
        errors["note"] = problem
    if problem := plausible.hours_amount(hours):
        errors["hours"] = problem
        return errors
    if hours == 0:
        errors["hours"] = gettext("Indiquez un nombre d'heures différent de zéro.")
        return errors
    days = (on - first_day).days + 1 if first_day is not None else 1
    if problem := plausible.hours_in_days(
        hours, days=max(days, 1), max_per_day=settings.CAI_HOURS_PER_DAY
    ):
        errors["hours"] = problem
        return errors
    total = axis_total(axis) + hours
    tolerance = settings.CAI_HOURS_TOLERANCE_PERCENT
    if total < 0:
        errors["hours"] = gettext("Une correction ne peut rendre le total négatif.")
    elif (
        hours > 0
        and plausible.hours_over_tolerance(
            total, required=axis.required_hours, tolerance_percent=tolerance
        )
        and not (excess_confirmed and may_confirm_hours(by))
    ):
        errors["hours"] = plausible.hours_excess(
            total,
            required=axis.required_hours,
            tolerance_percent=tolerance,
            may_confirm=may_confirm_hours(by),
        )
    return errors


def hours_record(
    *,
    axis: Axis,
    on: date,
    hours: Decimal,
    by: User | None,
    note: str = "",
    source: str = HoursEntry.Source.CASEWORKER,
    excess_confirmed: bool = False,
    first_day: date | None = None,
) -> HoursEntry:
    """Add a line to an axis's ledger (negative to correct); completes the axis, and the
    path, when the hours are reached. ``by`` is None for an operator's report (its link),
    whose line covers ``first_day`` to ``on``. Refused (``PathError``) when the line is
    implausible (:func:`hours_line_problems`); ``excess_confirmed`` is a coordinator's
    confirmation of hours beyond the required ones and the tolerance (kept in the audit)."""
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=axis.parcours_id)
        axis = Axis.objects.select_for_update().get(pk=axis.pk)
        if parcours.status not in UNDER_CONVENTION:
            raise PathError(
                gettext(
                    "Les heures se saisissent après la signature de la "
                    "convention, tant que le parcours est en cours."
                )
            )
        if axis.status == Axis.Status.NOT_REQUIRED:
            raise PathError(gettext("Cet axe n'est pas requis par la convention."))
        problems = hours_line_problems(
            axis=axis,
            on=on,
            hours=hours,
            note=note,
            by=by,
            excess_confirmed=excess_confirmed,
            first_day=first_day,
        )
        if problems:
            raise PathError(" ".join(dict.fromkeys(problems.values())))
        total = axis_total(axis) + hours
        beyond = plausible.hours_over_tolerance(
            total,
            required=axis.required_hours,
            tolerance_percent=settings.CAI_HOURS_TOLERANCE_PERCENT,
        )
        if source == HoursEntry.Source.CASEWORKER and hours < 0:
            source = HoursEntry.Source.CORRECTION
        entry = HoursEntry.objects.create(
            axis=axis, on=on, hours=hours, source=source, note=note, recorded_by=by
        )
        if hours > 0 and (axis.started_on is None or on < axis.started_on):
            axis.started_on = on  # the training started with its first hours
        _set_axis_status(axis, total, on=on)
        axis.save()
        audit.record(
            action="parcours.hours_record",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=gettext(
                "%(axis)s : %(hours)s h le %(date)s (total %(total)s h / %(required)s h)"
            )
            % {
                "axis": axis.get_kind_display(),
                "hours": _h(hours),
                "date": f"{on:%d/%m/%Y}",
                "total": _h(total),
                "required": _h(axis.required_hours),
            },
            data={"excess_confirmed": True} if beyond and hours > 0 else None,
        )
        if parcours.status == Parcours.Status.CONVENTION_SIGNED:
            _move(parcours, Parcours.Status.IN_PROGRESS, on=on, by=by)
        _refresh_completion(parcours, on=on, by=by)
    return entry


def _set_axis_status(axis: Axis, total: Decimal, *, on: date) -> None:
    if total >= axis.required_hours:
        if axis.status != Axis.Status.COMPLETED:
            axis.completed_on = on
        axis.status = Axis.Status.COMPLETED
    else:
        axis.status = Axis.Status.IN_PROGRESS if total > 0 else Axis.Status.NOT_STARTED
        axis.completed_on = None


def _h(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def axis_total(axis: Axis) -> Decimal:
    return axis.hours.aggregate(total=Sum("hours"))["total"] or Decimal("0")


def _refresh_completion(parcours: Parcours, *, on: date, by: User | None) -> None:
    statuses = list(
        parcours.axes.exclude(status=Axis.Status.NOT_REQUIRED).values_list("status", flat=True)
    )
    done = bool(statuses) and all(s == Axis.Status.COMPLETED for s in statuses)
    if done and parcours.status == Parcours.Status.IN_PROGRESS:
        _move(parcours, Parcours.Status.COMPLETED, on=on, by=by)
    elif not done and parcours.status == Parcours.Status.COMPLETED:
        _move(
            parcours, Parcours.Status.IN_PROGRESS, on=on, by=by, why=gettext("heures à compléter")
        )


def parcours_move(*, parcours: Parcours, to: str, by: User, why: str = "") -> None:
    """Move a path (locked by the caller) along the transition map, with its timeline entry;
    for other apps' services (the attestation closes the path, its revocation reopens it)."""
    _move(parcours, to, on=timezone.localdate(), by=by, why=why)


#: A status change's reason is kept with the suspension it opens (and in the audit).
REASON_LENGTH = Suspension._meta.get_field("reason").max_length


def parcours_change_status(
    *, parcours: Parcours, to: str, by: User, reason: str, on: date | None = None
) -> None:
    """Suspend, resume, abandon, transfer or exempt (with a reason)."""
    on = on or timezone.localdate()
    if not reason.strip() and to != "resume":
        raise PathError(gettext("Indiquez le motif."))
    if problem := plausible.too_long(reason.strip(), max_length=REASON_LENGTH):
        raise PathError(problem)
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        if to == "resume":
            if parcours.status != Parcours.Status.SUSPENDED:
                raise PathError(gettext("Le parcours n'est pas suspendu."))
            open_suspension = parcours.suspensions.filter(end_on__gte=on).first()
            if open_suspension is not None:
                if open_suspension.start_on >= on:
                    open_suspension.delete()  # resumed the day it stopped: nothing suspended
                else:
                    open_suspension.end_on = on - timedelta(days=1)
                    open_suspension.save(update_fields=["end_on"])
            _move(
                parcours,
                parcours.resume_status or Parcours.Status.WELCOME,
                on=on,
                by=by,
                why=reason.strip(),
            )
            running = (Parcours.Status.CONVENTION_SIGNED, Parcours.Status.IN_PROGRESS)
            if (
                parcours.status in running
                and not parcours.evaluations.filter(held_on__isnull=True).exists()
            ):
                Evaluation.objects.create(
                    parcours=parcours, due_on=path_rules.next_evaluation_due(on)
                )
            return
        _move(parcours, to, on=on, by=by, why=reason.strip())
        if to == Parcours.Status.SUSPENDED:
            Suspension.objects.create(
                parcours=parcours, start_on=on, end_on=date(9999, 12, 31), reason=reason.strip()
            )


def extension_record(
    *,
    parcours: Parcours,
    deadline: str,
    decided_on: date,
    new_end_on: date,
    reason: str,
    by: User,
    document: File | None = None,
) -> Extension:
    """Record the minister's decision extending a deadline (the convention with it)."""
    if new_end_on <= decided_on:
        raise PathError(gettext("La nouvelle échéance doit suivre la date de la décision."))
    if not reason.strip():
        raise PathError(gettext("Indiquez le motif de la prorogation."))
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        if parcours.status not in OPEN_STATUSES:
            raise PathError(gettext("Ce parcours est clos."))
        extension = Extension(
            parcours=parcours,
            deadline=deadline,
            decided_on=decided_on,
            new_end_on=new_end_on,
            reason=reason.strip(),
            recorded_by=by,
        )
        if document:
            extension.document = document
        extension.full_clean()
        extension.save()
        audit.record(
            action="parcours.extension_record",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=gettext("Prorogation (%(deadline)s) jusqu'au %(date)s")
            % {
                "deadline": extension.get_deadline_display().lower(),
                "date": f"{new_end_on:%d/%m/%Y}",
            },
        )
        previous = parcours.conventions.first()
        if previous is not None:
            # "The convention is extended with it": an amendment with the same axes and
            # hours, whose PDF states the new deadline.
            amendment = Convention.objects.create(
                parcours=parcours,
                version=previous.version + 1,
                start_on=previous.start_on,
                signed_on=decided_on,
                signed_by=by,
                citizenship_hours=previous.citizenship_hours,
                french_required=previous.french_required,
                french_hours=previous.french_hours,
                orientation_required=previous.orientation_required,
                orientation_hours=previous.orientation_hours,
                amendment_reason=gettext(
                    "Prorogation (%(deadline)s) jusqu'au %(date)s, décision du %(decided)s : "
                    "%(reason)s"
                )
                % {
                    "deadline": extension.get_deadline_display().lower(),
                    "date": f"{new_end_on:%d/%m/%Y}",
                    "decided": f"{decided_on:%d/%m/%Y}",
                    "reason": extension.reason,
                },
            )
            audit.record(
                action="parcours.extension_record",
                beneficiary=parcours.beneficiary,
                obj=parcours,
                by=by,
                summary=gettext("Convention v%(version)s (avenant de prorogation)")
                % {"version": amendment.version},
            )
            convention_freeze(amendment)
            queue_on_commit(RENDER_TASK, amendment.pk)
    return extension


def invitation_record(
    *, evaluation: Evaluation, channel: str, sent_on: date, proof_number: str, by: User
) -> EvaluationInvitation:
    """Keep an invitation to an evaluation interview (never changed: evidence)."""
    with transaction.atomic():
        invitation = EvaluationInvitation(
            evaluation=evaluation,
            channel=channel,
            sent_on=sent_on,
            proof_number=proof_number.strip(),
            recorded_by=by,
        )
        invitation.full_clean()  # sent on a day that has come, the letter's number
        invitation.save()
        parcours = evaluation.parcours
        audit.record(
            by=by,
            action="parcours.invitation_record",
            summary=gettext("Invitation à l'entretien d'évaluation (%(channel)s) le %(date)s")
            % {"channel": invitation.get_channel_display(), "date": f"{sent_on:%d/%m/%Y}"},
            beneficiary=parcours.beneficiary,
            obj=invitation,
        )
    return invitation


def evaluation_record(
    *,
    evaluation: Evaluation,
    held_on: date,
    attended: bool,
    absence_justified: bool | None = None,
    absences: str,
    programme_changes: str,
    notes: str,
    by: User,
) -> None:
    """Record the evaluation interview and schedule the next one six months later."""
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=evaluation.parcours_id)
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if evaluation.held_on is not None:
            raise PathError(gettext("Cet entretien est déjà enregistré."))
        evaluation.held_on = held_on
        evaluation.attended = attended
        evaluation.absence_justified = None if attended else bool(absence_justified)
        evaluation.absences = absences
        evaluation.programme_changes = programme_changes
        evaluation.notes = notes
        evaluation.recorded_by = by
        evaluation.full_clean()  # held on a day that has come (Evaluation.clean)
        evaluation.save()
        if parcours.status in (Parcours.Status.CONVENTION_SIGNED, Parcours.Status.IN_PROGRESS):
            Evaluation.objects.create(
                parcours=parcours, due_on=path_rules.next_evaluation_due(held_on)
            )
        message = (
            gettext("Entretien d'évaluation du %(date)s")
            if attended
            else gettext("Entretien d'évaluation du %(date)s : %(presence)s")
        ) % {"date": f"{held_on:%d/%m/%Y}", "presence": evaluation.presence_label}
        audit.record(
            action="parcours.evaluation_record",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=message,
        )


def axis_set_operator(*, axis: Axis, operator: str, by: User) -> None:
    """Name the operator delivering an axis (free text until the operators directory)."""
    operator = operator.strip()
    if problem := plausible.too_long(
        operator, max_length=Axis._meta.get_field("operator").max_length
    ):
        raise PathError(problem)
    if axis.operator == operator:
        return
    with transaction.atomic():
        Axis.objects.filter(pk=axis.pk).update(operator=operator)
        parcours = axis.parcours
        audit.record(
            action="parcours.axis_set_operator",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=gettext("%(axis)s : opérateur « %(operator)s »")
            % {"axis": axis.get_kind_display(), "operator": operator or "—"},
        )


def convention_pdf_retry(*, convention: Convention, by: User) -> bool:
    """Try again to render a convention PDF whose generation failed."""
    with transaction.atomic():
        if not pdf_retry(Convention, convention.pk):
            return False
        audit.record(
            by=by,
            action="parcours.convention_pdf_retry",
            summary=gettext("Convention v%(version)s : nouvel essai du PDF")
            % {"version": convention.version},
            beneficiary=convention.parcours.beneficiary,
            obj=convention,
        )
        queue_on_commit(RENDER_TASK, convention.pk)
    return True
