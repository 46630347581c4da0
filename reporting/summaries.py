"""Summaries the dashboard reads instead of scanning whole tables, kept by database
triggers (see the reporting migrations) and rebuilt each night in case anything slipped
past them (a restored backup, a manual fix in SQL).

``HoursSummary``: the hours ledger per axis and calendar month, quarter and year;
``FileFacts``: what the dashboard counts of each file, with the stages it has reached
(the funnel), in a narrow row; ``AppointmentDay``: the
appointments per day, office of the file, type, interpreter language and status."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from django.db import OperationalError, connection, transaction

from reporting.models import HoursSummary
from reporting.periods import Period

logger = logging.getLogger(__name__)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_start(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def grain_of(period: Period) -> tuple[str, date] | None:
    """The summary's rows that cover exactly ``period`` (its grain and first day), by its
    dates whatever its kind; None for dates that are no whole calendar month, quarter or
    year (the figures are then counted on the ledger itself)."""
    start, end = period.start, period.end
    if start.day != 1:
        return None
    for grain, months in (
        (HoursSummary.Grain.MONTH, 1),
        (HoursSummary.Grain.QUARTER, 3),
        (HoursSummary.Grain.YEAR, 12),
    ):
        if grain == HoursSummary.Grain.QUARTER and start != _quarter_start(start):
            continue
        if grain == HoursSummary.Grain.YEAR and start.month != 1:
            continue
        if end == _next_start(start, months) - timedelta(days=1):
            return grain, start
    return None


#: Every table the nightly rebuilds read, locked against writes (SHARE) while they run.
REBUILD_READS = (
    "beneficiaries_beneficiary",
    "parcours_obligationassessment",
    "parcours_parcours",
    "parcours_welcomemodule",
    "parcours_convention",
    "parcours_axis",
    "parcours_hoursentry",
    "attestations_attestation",
    "appointments_appointment",
)
#: A busy table: tried again this many times, this many seconds apart.
REBUILD_ATTEMPTS = 60
REBUILD_PAUSE = 5.0
LOCK_NOT_AVAILABLE = "55P03"


def rebuild() -> int:
    """Compute the summaries again from their tables (the nightly task); returns how many
    rows they have. Writes to the tables they follow wait the few seconds it takes.

    The tables are locked all at once and without waiting: a rebuild that waited for one
    table while holding another could deadlock with a write taking them in the other
    order (an assessment, then its file), and PostgreSQL would cancel one of the two,
    perhaps the person's. While one is busy, the rebuild tries again a little later."""
    for attempt in range(REBUILD_ATTEMPTS):
        try:
            return _rebuild_now()
        except OperationalError as error:
            busy = getattr(error.__cause__, "pgcode", "") == LOCK_NOT_AVAILABLE
            if not busy or attempt == REBUILD_ATTEMPTS - 1:
                raise
            logger.info("Pilotage: tables busy, summaries rebuilt again in %s s", REBUILD_PAUSE)
            time.sleep(REBUILD_PAUSE)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _rebuild_now() -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(REBUILD_READS)} IN SHARE MODE NOWAIT")
        cursor.execute("SELECT reporting_hours_summary_rebuild()")
        (hours,) = cursor.fetchone() or (0,)
        cursor.execute("SELECT reporting_file_facts_rebuild()")
        (files,) = cursor.fetchone() or (0,)
        cursor.execute("SELECT reporting_appointment_day_rebuild()")
        (appointments,) = cursor.fetchone() or (0,)
    logger.info(
        "Pilotage: summaries rebuilt: %d rows of hours, %d files' facts, %d of appointments",
        hours,
        files,
        appointments,
    )
    return int(hours) + int(files) + int(appointments)
