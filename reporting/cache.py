"""The dashboard's figures are computed at most every few minutes per period and scope,
and shown with their time: a year of the whole centre reads every file, path, hours line
and appointment (about a second at 100,000 files), the page then answers in a few
milliseconds. « Recalculer » computes them again at once."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from reporting.indicators import Dashboard, dashboard
from reporting.scope import Scope

#: How long figures are shown before they are computed again.
FRESH_SECONDS = 10 * 60
_KEY = "pilotage:v1:"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Computed:
    board: Dashboard
    at: datetime


def _key(scope: Scope) -> str:
    offices = "all" if scope.offices is None else ",".join(map(str, sorted(scope.offices)))
    text = repr((scope.period, scope.today, offices, scope.filters))
    return _KEY + hashlib.sha256(text.encode()).hexdigest()


def computed_dashboard(scope: Scope, *, fresh: bool = False) -> Computed:
    """The figures of ``scope`` from the cache if computed in the last minutes (unless
    ``fresh``); computed and kept otherwise. An unreachable cache only costs the time."""
    key = _key(scope)
    if not fresh:
        try:
            hit = cache.get(key)
        except Exception:  # the cache unreachable: compute now, the page still answers
            logger.warning("Pilotage: the cache is unreachable")
            hit = None
        if isinstance(hit, Computed):
            return hit
    result = Computed(dashboard(scope), timezone.now())
    try:
        cache.set(key, result, FRESH_SECONDS)
    except Exception:
        logger.warning("Pilotage: the cache is unreachable")
    return result
