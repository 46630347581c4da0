"""Writes on beneficiary files."""

from __future__ import annotations

from django.db import connection

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
