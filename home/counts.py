"""Figures of the coordinators' home that read every file (files per office, breaches
still to handle): computed at most every few minutes and shown with their time, instead
of on each load (a breach count reads 100,000 files' deadlines in about a second)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from beneficiaries.models import Beneficiary
from compliance.selectors import current_breaches

#: How long a figure is shown before it is counted again.
COUNTS_SECONDS = 10 * 60
_KEY = "home:counts:v1:"

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counted(Generic[T]):
    value: T
    at: datetime


def counted(key: str, compute: Callable[[], T]) -> Counted[T]:
    """The figure under ``key``, counted again once ``COUNTS_SECONDS`` have passed."""
    try:
        hit = cache.get(_KEY + key)
    except Exception:  # the cache unreachable: count now, the page still answers
        logger.warning("Home counts: the cache is unreachable")
        return Counted(compute(), timezone.now())
    if isinstance(hit, Counted):
        return hit
    figure = Counted(compute(), timezone.now())
    try:
        cache.set(_KEY + key, figure, COUNTS_SECONDS)
    except Exception:
        logger.warning("Home counts: the cache is unreachable")
    return figure


def files_per_office() -> Counted[dict[int, tuple[int, int]]]:
    """Per office: its files, and those without a caseworker (one grouped count)."""

    def compute() -> dict[int, tuple[int, int]]:
        rows = (
            Beneficiary.objects.order_by()
            .values_list("office_id")
            .annotate(files=Count("pk"), unassigned=Count("pk", filter=Q(caseworker__isnull=True)))
        )
        return {office_id: (files, unassigned) for office_id, files, unassigned in rows}

    return counted("offices", compute)


def breaches_to_handle(office_id: int | None, *, today: date) -> Counted[int]:
    """Breaches without a non-compliance file, in every office or in one."""

    def compute() -> int:
        files = Beneficiary.objects.all()
        if office_id is not None:
            files = files.filter(office_id=office_id)
        return len(current_breaches(files, today=today))

    return counted(f"breaches:{office_id or 'all'}:{today.isoformat()}", compute)
