"""Orienting a person to an offer: statuses, places counted under a lock on the offer,
waiting lists, and every step kept."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import DateRange

from beneficiaries.models import Beneficiary
from cainamur import audit
from cainamur.lib import plausible
from cainamur.lib.name_order import by_name
from cainamur.lib.tokens import token_digest, token_new
from cainamur.models import User
from operators.models import (
    OCCUPYING,
    CreditedPeriod,
    Offer,
    Orientation,
    ReportingLink,
    ReportSubmission,
)
from parcours.models import UNDER_CONVENTION, Axis, AxisKind, HoursEntry, Parcours
from parcours.services import PathError, hours_record

S = Orientation.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROPOSED: frozenset({S.WAITING, S.ENROLLED, S.REFUSED}),
    S.WAITING: frozenset({S.ENROLLED, S.REFUSED, S.DROPPED}),
    S.ENROLLED: frozenset({S.IN_PROGRESS, S.DROPPED, S.COMPLETED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.DROPPED}),
    S.COMPLETED: frozenset(),
    S.DROPPED: frozenset(),
    S.REFUSED: frozenset(),
}
NEEDS_REASON = frozenset({S.REFUSED, S.DROPPED})
# The audit action of an orientation's steps (read back by the file page and the tests).
ORIENTATION_STEP = "operators.orientation_step"


class OrientationError(Exception):
    """A refused step, with a message for the user (French)."""


class NoPlace(OrientationError):
    """The offer is full: the person went on its waiting list instead (recorded)."""


#: Where a problem of an operator's report belongs: ``"period_start"``, ``"period_end"``,
#: an orientation's id (its line), or ``None`` (the whole report).
ReportField = str | int | None


class ReportRefused(OrientationError):
    """An operator's report refused, nothing recorded; ``problems`` says which field or
    line each message belongs to, so that the page shows it there."""

    def __init__(self, problems: dict[ReportField, list[str]]) -> None:
        self.problems = problems
        messages = [m for found in problems.values() for m in found]
        super().__init__(" ".join(dict.fromkeys(messages)))


def _record(
    orientation: Orientation,
    *,
    offer: Offer,
    by: User | None,
    before: str,
    note: str = "",
    no_place: bool = False,
) -> None:
    """Every step of an orientation is kept in the audit trail (never changed): the
    waiting list and each « no place available » are the evidence that protects an
    obliged person."""
    after = S(orientation.status).label
    summary = (
        _("Orientation « %(offer)s » : %(from)s → %(to)s")
        % {"offer": offer.title, "from": S(before).label, "to": after}
        if before
        else _("Orientation proposée : « %(offer)s »") % {"offer": offer.title}
    )
    if no_place:
        summary += " " + _("(pas de place disponible)")
    audit.record(
        by=by,
        action=ORIENTATION_STEP,
        summary=summary,
        beneficiary=orientation.beneficiary,
        obj=orientation,
        data={
            "from": before,
            "to": orientation.status,
            "no_place": no_place,
            "note": note[:300],
            **(
                {"evidence": audit.WAITING_LIST_EVIDENCE}
                if no_place or orientation.status == Orientation.Status.WAITING
                else {}
            ),
        },
    )


def orientation_propose(
    *, beneficiary: Beneficiary, offer: Offer, by: User, note: str = ""
) -> Orientation:
    with transaction.atomic():
        if Orientation.objects.filter(
            beneficiary=beneficiary, offer=offer, status__in=[S.PROPOSED, S.WAITING, *OCCUPYING]
        ).exists():
            raise OrientationError(_("Cette personne est déjà orientée vers cette offre."))
        orientation = Orientation.objects.create(
            beneficiary=beneficiary, offer=offer, created_by=by
        )
        _record(orientation, offer=offer, by=by, before="", note=note)
        return orientation


def orientation_move(
    *, orientation: Orientation, to: str, by: User | None, reason: str = ""
) -> Orientation:
    """Move along the transition map. Enrolling takes a place under a lock on the offer;
    when none is left the person goes on the waiting list and the refusal is kept
    (``NoPlace`` is raised after the commit of that record). ``by`` is None for an
    operator's report (its link)."""
    if to in NEEDS_REASON and not reason.strip():
        raise OrientationError(_("Indiquez le motif."))
    if problem := plausible.too_long(
        reason.strip(), max_length=Orientation._meta.get_field("reason").max_length
    ):
        raise OrientationError(problem)
    full = False
    with transaction.atomic():
        orientation = Orientation.objects.select_for_update().get(pk=orientation.pk)
        offer = Offer.objects.select_for_update().get(pk=orientation.offer_id)
        before = orientation.status
        if to not in TRANSITIONS[before]:
            raise OrientationError(
                _("L'orientation ne peut pas passer de « %(from)s » à « %(to)s ».")
                % {"from": orientation.get_status_display(), "to": S(to).label}
            )
        holds, will_hold = before in OCCUPYING, to in OCCUPYING
        if will_hold and not holds and offer.taken >= offer.capacity:
            full = True
            if before != S.WAITING:
                orientation.status = S.WAITING
                orientation.waiting_since = timezone.now()
                orientation.save(update_fields=["status", "waiting_since"])
            _record(
                orientation,
                offer=offer,
                by=by,
                before=before,
                note=_("Pas de place disponible."),
                no_place=True,
            )
        else:
            if will_hold and not holds:
                offer.taken += 1
            elif holds and not will_hold:
                offer.taken -= 1
            offer.save(update_fields=["taken"])
            orientation.status = to
            orientation.reason = reason.strip() or orientation.reason
            if to == S.WAITING:
                orientation.waiting_since = timezone.now()
            orientation.save(update_fields=["status", "reason", "waiting_since"])
            _record(orientation, offer=offer, by=by, before=before, note=reason)
            if will_hold and not holds:  # the axis names the operator from enrolment
                _axis_operator(orientation, offer)
    if full:
        raise NoPlace(
            _(
                "Plus de place dans « %(offer)s » : la personne est sur la liste d'attente "
                "(date et refus conservés)."
            )
            % {"offer": offer.title}
        )
    return orientation


def _axis_operator(orientation: Orientation, offer: Offer) -> None:
    """The path's axis shows the operator the person is enrolled with, and its window
    starts with the training (the offer's start, or the enrolment when under way)."""
    axes = Axis.objects.filter(
        parcours__beneficiary_id=orientation.beneficiary_id,
        parcours__closed_on__isnull=True,
        kind=offer.axis,
    ).exclude(parcours__status=Parcours.Status.ATTESTATION_ISSUED)
    axes.update(operator=offer.operator.name[:200])
    today = timezone.localdate()
    starts = max(offer.start_on, today) if offer.start_on else today
    axes.filter(started_on__isnull=True).exclude(kind=AxisKind.ORIENTATION).update(
        started_on=starts
    )


def waiting_list(offer: Offer) -> list[Orientation]:
    """The offer's waiting list, first come first served."""
    return list(
        offer.orientations.filter(status=S.WAITING)
        .select_related("beneficiary")
        .order_by("waiting_since", "id")
    )


# --- Operators' reporting links -------------------------------------------------------------

LINK_DAYS = 60
MAX_HOURS_PER_REPORT = Decimal("200")


class LinkRefused(Exception):
    """Unknown, expired or revoked link."""


def link_create(*, offer: Offer, by: User, days: int = LINK_DAYS) -> tuple[ReportingLink, str]:
    """A new link for the operator of ``offer``; returns it with its token (shown once)."""
    token, digest = token_new()
    link = ReportingLink.objects.create(
        offer=offer,
        token_sha256=digest,
        expires_at=timezone.now() + timedelta(days=days),
        created_by=by,
    )
    audit.record(
        by=by,
        action="operators.link_create",
        summary=_("Lien de déclaration créé pour « %(offer)s »") % {"offer": offer.title},
        obj=link,
    )
    return link, token


def link_revoke(*, link: ReportingLink, by: User) -> bool:
    """Cut the operator's link off; False when it already was."""
    with transaction.atomic():
        revoked = ReportingLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit.record(
                by=by,
                action="operators.link_revoke",
                summary=_("Lien de déclaration révoqué pour « %(offer)s »")
                % {"offer": link.offer.title},
                obj=link,
            )
    return bool(revoked)


def link_resolve(token: str) -> ReportingLink:
    link = (
        ReportingLink.objects.filter(token_sha256=token_digest(token))
        .select_related("offer__operator")
        .first()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        raise LinkRefused
    return link


def reportable(link: ReportingLink) -> list[Orientation]:
    """The people an operator may report on: enrolled in that offer, nothing else."""
    return list(
        link.offer.orientations.filter(status__in=OCCUPYING)
        .select_related("beneficiary")
        .order_by(*by_name("beneficiary__last_name", "beneficiary__first_names"), "id")
    )


def _period_errors(
    link: ReportingLink,
    allowed: dict[int, Orientation],
    lines: dict[int, tuple[Decimal, bool]],
    period: DateRange,
) -> dict[ReportField, list[str]]:
    """A period already declared for a person, or more hours than the offer has, in all
    (by line)."""
    errors: dict[ReportField, list[str]] = defaultdict(list)
    credited_ids = [pk for pk, (hours, _d) in lines.items() if hours > 0 and pk in allowed]
    overlapping = CreditedPeriod.objects.filter(
        orientation_id__in=credited_ids, period__overlap=period
    ).select_related("submission")
    for credited in overlapping:
        errors[credited.orientation_id].append(
            _(
                "%(name)s : des heures sont déjà déclarées pour la période du %(start)s au "
                "%(end)s (envoi du %(at)s)."
            )
            % {
                "name": allowed[credited.orientation_id].beneficiary.full_name,
                "start": f"{credited.period.lower:%d/%m/%Y}",
                "end": f"{credited.period.upper - timedelta(days=1):%d/%m/%Y}",
                "at": f"{timezone.localtime(credited.submission.at):%d/%m/%Y}",
            }
        )
    if link.offer.hours:
        already = dict(
            CreditedPeriod.objects.filter(orientation_id__in=credited_ids)
            .values_list("orientation_id")
            .annotate(total=Sum("hours"))
        )
        for pk in credited_ids:
            total = already.get(pk, Decimal("0")) + lines[pk][0]
            if total > link.offer.hours:
                errors[pk].append(
                    _(
                        "%(name)s : %(total)s heures en tout, plus que les %(hours)s heures de "
                        "la formation."
                    )
                    % {
                        "name": allowed[pk].beneficiary.full_name,
                        "total": f"{total.normalize():f}",
                        "hours": f"{link.offer.hours.normalize():f}",
                    }
                )
    return dict(errors)


def report_submit(
    *,
    link: ReportingLink,
    period_start: date,
    period_end: date,
    lines: dict[int, tuple[Decimal, bool]],
    ip: str,
) -> ReportSubmission:
    """Record hours (and drop-outs) per enrolled person for one period, all or nothing: each
    line goes into the person's axis ledger with the source « opérateur ». A period already
    declared for a person is refused, and an offer never credits more than its hours. The
    period has happened and falls within the offer's dates; the hours are finite with two
    decimals at most, never more than ``CAI_HOURS_PER_DAY`` per day of the period."""

    allowed = {o.pk: o for o in reportable(link)}
    offer = link.offer
    errors: dict[ReportField, list[str]] = defaultdict(list)
    for orientation_id, (hours, _dropped) in lines.items():
        if orientation_id not in allowed:
            errors[None].append(_("Une personne n'est pas inscrite à cette offre."))
        elif problem := plausible.hours_amount(hours):
            errors[orientation_id].append(
                _("%(name)s : %(problem)s")
                % {"name": allowed[orientation_id].beneficiary.full_name, "problem": problem}
            )
        elif hours < 0:
            errors[orientation_id].append(_("Les heures ne peuvent pas être négatives."))
        elif hours > MAX_HOURS_PER_REPORT or (link.offer.hours and hours > link.offer.hours):
            errors[orientation_id].append(
                _("%(name)s : plus d'heures que la formation n'en compte.")
                % {"name": allowed[orientation_id].beneficiary.full_name}
            )
    if plausible.past_or_today(period_end, today=timezone.localdate()):
        errors["period_end"].append(_("La période ne peut pas se terminer dans le futur."))
    if problem := plausible.within_offer(
        period_start, period_end, first=offer.start_on, last=offer.end_on
    ):
        outside_start = offer.start_on is not None and period_start < offer.start_on
        errors["period_start" if outside_start else "period_end"].append(problem)
    if period_start > period_end:
        errors["period_start"].append(_("La période commence après sa fin."))
    elif (period_end - period_start).days > 366:
        errors["period_start"].append(_("Une période d'un an au plus, s'il vous plaît."))
    else:
        days = (period_end - period_start).days + 1
        for orientation_id, (hours, _dropped) in lines.items():
            if orientation_id not in allowed or not hours.is_finite():
                continue
            if problem := plausible.hours_in_days(
                hours, days=days, max_per_day=settings.CAI_HOURS_PER_DAY
            ):
                errors[orientation_id].append(
                    _("%(name)s : %(problem)s")
                    % {"name": allowed[orientation_id].beneficiary.full_name, "problem": problem}
                )
    if errors:
        raise ReportRefused(dict(errors))
    # Two decimals at most, checked above: stored as the ledger keeps them (« 2.50 »).
    lines = {
        pk: (hours.quantize(Decimal("0.01")), dropped) for pk, (hours, dropped) in lines.items()
    }
    period = DateRange(period_start, period_end + timedelta(days=1))
    with transaction.atomic():
        link = ReportingLink.objects.select_for_update().get(pk=link.pk)
        if period_errors := _period_errors(link, allowed, lines, period):
            raise ReportRefused(period_errors)
        recorded = []
        credited: list[tuple[int, Decimal]] = []
        for orientation_id, (hours, dropped) in lines.items():
            orientation = allowed[orientation_id]
            if hours > 0:
                axis = (
                    Axis.objects.filter(
                        parcours__beneficiary_id=orientation.beneficiary_id,
                        kind=link.offer.axis,
                        parcours__status__in=UNDER_CONVENTION,
                    )
                    .exclude(status=Axis.Status.NOT_REQUIRED)
                    .first()
                )
                if axis is None:
                    raise ReportRefused(
                        {
                            orientation_id: [
                                _("%(name)s n'a pas d'axe « %(axis)s » en cours : prévenez le CAI.")
                                % {
                                    "name": orientation.beneficiary.full_name,
                                    "axis": link.offer.get_axis_display(),
                                }
                            ]
                        }
                    )
                try:
                    hours_record(
                        axis=axis,
                        on=period_end,
                        first_day=period_start,
                        hours=hours,
                        by=None,
                        note=_("Déclaré par %(operator)s") % {"operator": link.offer.operator.name},
                        source=HoursEntry.Source.OPERATOR,
                    )
                except PathError as error:
                    raise ReportRefused(
                        {orientation_id: [f"{orientation.beneficiary.full_name} : {error}"]}
                    ) from error
                credited.append((orientation_id, hours))
                if orientation.status == S.ENROLLED:
                    orientation = orientation_move(
                        orientation=orientation, to=S.IN_PROGRESS, by=None
                    )
            if dropped:
                orientation_move(
                    orientation=orientation,
                    to=S.DROPPED,
                    by=None,
                    reason=_("Abandon signalé par l'opérateur"),
                )
            recorded.append(
                {"orientation": orientation_id, "hours": str(hours), "dropped": dropped}
            )
        submission = ReportSubmission.objects.create(
            link=link, ip=ip, period_start=period_start, period_end=period_end, lines=recorded
        )
        CreditedPeriod.objects.bulk_create(
            CreditedPeriod(submission=submission, orientation_id=pk, period=period, hours=hours)
            for pk, hours in credited
        )
        return submission
