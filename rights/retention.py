"""Retention (GDPR art. 5(1)(e)): what has outlived its period is anonymised or deleted.

One function says what is due (``due``), the same one feeds the dry run (``manage.py
retention --dry-run``, the coordinators' page) and the nightly run, so that they agree.
A file under a legal hold is never touched, nor its appointments, call-backs or tickets.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pgtrigger
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from appointments.models import Appointment, Seat
from attestations.models import Attestation
from beneficiaries.models import Beneficiary
from cainamur.lib.triggers import triggers_of
from cainamur.models import AuditEvent, ReadEvent
from compliance.models import NonCompliance
from outbox.models import Dispatch
from parcours.models import Parcours
from reception.models import Callback, CallbackAttempt, QueueTicket
from rights.anonymise import ANONYMISED, AnonymisationError, beneficiary_anonymise
from rights.models import (
    DEFAULT_MONTHS,
    Anonymisation,
    LegalHold,
    RecordType,
    RetentionRule,
    RetentionRun,
)

logger = logging.getLogger(__name__)

FINISHED = (Parcours.Status.ATTESTATION_ISSUED, Parcours.Status.COMPLETED)
LEFT = (Parcours.Status.ABANDONED, Parcours.Status.TRANSFERRED)
UNFOLLOWED = ("not_concerned", "exempt", "incomplete")


@dataclass(frozen=True)
class Due:
    record_type: str
    label: str
    months: int
    before: datetime
    count: int


def periods() -> dict[str, int]:
    """Months per record type: the administrators' setting, else the default."""
    months = dict(DEFAULT_MONTHS)
    months.update(RetentionRule.objects.values_list("record_type", "months"))
    return {str(key): value for key, value in months.items()}


def _before(months: int, now: datetime) -> datetime:
    """The same moment ``months`` months earlier (the last day of a shorter month)."""
    years, month_index = divmod(now.month - 1 - months, 12)
    year, month = now.year + years, month_index + 1
    return now.replace(
        year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1])
    )


def _held() -> models.QuerySet[Any]:
    return LegalHold.objects.filter(beneficiary=OuterRef("beneficiary"))


def _files(record_type: str, before: datetime) -> models.QuerySet[Beneficiary]:
    last_day = before.date()
    files = (
        Beneficiary.objects.exclude(Exists(LegalHold.objects.filter(beneficiary=OuterRef("pk"))))
        .exclude(Exists(Anonymisation.objects.filter(beneficiary=OuterRef("pk"))))
        # Anything written about the file since the cut-off (a booking, an edit, an
        # assessment, an exemption: every write leaves an audit row), or an appointment
        # still to come or recent, keeps it.
        .exclude(Exists(AuditEvent.objects.filter(beneficiary=OuterRef("pk"), at__gte=before)))
        .exclude(
            Exists(
                Appointment.objects.filter(beneficiary=OuterRef("pk"), during__endswith__gte=before)
            )
        )
        .exclude(
            Exists(
                Seat.objects.filter(
                    beneficiary=OuterRef("pk"), session__during__endswith__gte=before
                )
            )
        )
        .exclude(
            Exists(
                NonCompliance.objects.filter(
                    beneficiary=OuterRef("pk"),
                    outcome__in=(NonCompliance.Outcome.PENDING, NonCompliance.Outcome.APPEAL),
                )
            )
        )
        .filter(updated_at__lt=before)
    )
    paths = Parcours.objects.filter(beneficiary=OuterRef("pk"))
    if record_type == RecordType.CLOSED_FILE:
        # Every path ended (attestation, completion), the last one before the cut-off.
        return (
            files.filter(Exists(paths.filter(status__in=FINISHED)))
            .exclude(Exists(paths.exclude(status__in=(*FINISHED, *LEFT))))
            .exclude(Exists(paths.filter(closed_on__gte=last_day)))
            .exclude(
                Exists(
                    Attestation.objects.filter(beneficiary=OuterRef("pk"), issued_on__gte=last_day)
                )
            )
        )
    # Registrations never followed by a path (not concerned, exempt, to complete), or
    # whose paths were all abandoned or transferred, before the cut-off.
    return files.exclude(Exists(paths.exclude(status__in=LEFT, closed_on__lt=last_day))).filter(
        Q(obligation_status__in=UNFOLLOWED) | Exists(paths)
    )


def _rows(record_type: str, before: datetime) -> models.QuerySet[Any]:
    if record_type in (RecordType.CLOSED_FILE, RecordType.UNFOLLOWED_FILE):
        return _files(record_type, before)
    if record_type == RecordType.APPOINTMENT:
        return (
            Appointment.objects.filter(during__endswith__lt=before)
            .exclude(Exists(_held()))
            .exclude(beneficiary__isnull=True, notes="", reason="")
        )
    if record_type == RecordType.CALLBACK:
        return (
            Callback.objects.filter(created_at__lt=before)
            .exclude(Exists(_held()))
            .exclude(name=ANONYMISED, phone="", subject="")
        )
    if record_type == RecordType.TICKET:
        return (
            QueueTicket.objects.filter(on__lt=before.date())
            .exclude(Exists(_held()))
            .exclude(name=ANONYMISED, phone="", note="")
        )
    return ReadEvent.objects.filter(at__lt=before).exclude(Exists(_held()))


def due(now: datetime | None = None) -> list[Due]:
    """What the next run would anonymise or delete, per record type."""
    now = now or timezone.now()
    result = []
    for record_type, months in periods().items():
        before = _before(months, now)
        result.append(
            Due(
                record_type=record_type,
                label=str(RecordType(record_type).label),
                months=months,
                before=before,
                count=_rows(record_type, before).count(),
            )
        )
    return result


#: Applied in this order: the records about a file before the files themselves, so that
#: anonymising a file does not change what the other types had to do (dry run == run).
ORDER = (
    RecordType.READ_LOG,
    RecordType.APPOINTMENT,
    RecordType.CALLBACK,
    RecordType.TICKET,
    RecordType.CLOSED_FILE,
    RecordType.UNFOLLOWED_FILE,
)


def run(*, dry_run: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Anonymise or delete what is due; returns the counts per record type (and records
    the run)."""
    now = now or timezone.now()
    planned = {item.record_type: item for item in due(now)}
    counts: dict[str, int] = {}
    for record_type in ORDER:
        item = planned[record_type]
        counts[record_type] = item.count if dry_run else _apply(record_type, item.before)
    RetentionRun.objects.create(at=now, dry_run=dry_run, counts=counts)
    return counts


def _apply(record_type: str, before: datetime) -> int:
    rows = _rows(record_type, before)
    if record_type in (RecordType.CLOSED_FILE, RecordType.UNFOLLOWED_FILE):
        done = 0
        for beneficiary in list(rows.order_by("pk")):
            try:
                beneficiary_anonymise(
                    beneficiary=beneficiary, by=None, cause=Anonymisation.Cause.RETENTION
                )
            except AnonymisationError:  # a hold set meanwhile: kept, the run goes on
                logger.warning("Retention: file %s kept (held meanwhile)", beneficiary.pk)
                continue
            done += 1
        return done
    with transaction.atomic():
        if record_type == RecordType.APPOINTMENT:
            ids = list(rows.values_list("pk", flat=True))
            # Their messages lose the address they went to (the person's contact).
            Dispatch.objects.filter(appointment__in=ids).update(to_address="", last_error="")
            return Appointment.objects.filter(pk__in=ids).update(
                beneficiary=None, notes="", reason=""
            )
        if record_type == RecordType.CALLBACK:
            ids = list(rows.values_list("pk", flat=True))
            CallbackAttempt.objects.filter(callback__in=ids).update(note="")
            return Callback.objects.filter(pk__in=ids).update(
                beneficiary=None, name=ANONYMISED, phone="", subject=""
            )
        if record_type == RecordType.TICKET:
            return rows.update(beneficiary=None, name=ANONYMISED, phone="", note="")
        # The read log is append-only: its retention is the one deletion it allows.
        with pgtrigger.ignore(*triggers_of([ReadEvent])):
            deleted, _by_model = rows.delete()
        return deleted
