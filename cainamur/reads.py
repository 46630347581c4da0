"""The read log (GDPR art. 5(2), 30, 32: who saw what): every opening of a file page,
download of a document, reveal of a register number, search that returned files and export
is recorded in ``ReadEvent`` (append-only).

``record`` costs one INSERT and never breaks the page: a failure is logged and counted
(``/health/`` reports the count). An unusual volume (``CAI_READ_ALERT_PER_HOUR`` files in
an hour by one account), or an all-offices account opening a file outside its own offices,
raises an alert: a line on the coordinators' home and a mail to them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from cainamur.celery import queue_on_commit
from cainamur.lib.netutils import client_ip
from cainamur.models import ReadAlert, ReadEvent, User

logger = logging.getLogger(__name__)

FAILURES_KEY = "reads:failures"
ALERT_TASK = "cainamur.tasks.read_alert_notify"
SEARCH_FILES_KEPT = 100


def record(
    request: HttpRequest,
    kind: str,
    *,
    beneficiary: Any = None,
    what: str = "",
    files: Iterable[int] = (),
) -> None:
    """One read; never raises (the person still gets the page)."""
    user = request.user
    if not isinstance(user, User):
        return
    try:
        with transaction.atomic():
            ReadEvent.objects.create(
                actor=user,
                kind=kind,
                beneficiary_id=getattr(beneficiary, "pk", None),
                what=what[:200],
                ip=client_ip(request),
                files=list(files)[:SEARCH_FILES_KEPT],
            )
    except DatabaseError:
        logger.exception("Read log: could not record a %s read by user %s", kind, user.pk)
        _count_failure()
        return
    if kind == ReadEvent.Kind.FILE and beneficiary is not None:
        _watch(user, beneficiary)


def record_by_person(request: HttpRequest, *, beneficiary: Any, what: str) -> None:
    """The person themselves read their own page or downloaded their document
    (« la personne elle-même »); never raises."""
    try:
        with transaction.atomic():
            ReadEvent.objects.create(
                actor=None,
                kind=ReadEvent.Kind.PERSON,
                beneficiary_id=beneficiary.pk,
                what=what[:200],
                ip=client_ip(request),
            )
    except DatabaseError:
        logger.exception(
            "Read log: could not record a read by the person of file %s", beneficiary.pk
        )
        _count_failure()


def _count_failure() -> None:
    try:
        cache.add(FAILURES_KEY, 0, timeout=None)
        cache.incr(FAILURES_KEY)
    except Exception:
        logger.warning("Read log: could not count the failure")


def failures() -> int:
    try:
        return int(cache.get(FAILURES_KEY) or 0)
    except Exception:
        return 0


def _watch(user: User, beneficiary: Any) -> None:
    """Raise an alert once per hour and person for an unusual volume, and for an
    all-offices account opening a file outside its own offices."""
    hour = timezone.now().strftime("%Y%m%d%H")
    counter = f"reads:files:{user.pk}:{hour}"
    try:
        cache.add(counter, 0, timeout=60 * 60)
        opened = cache.incr(counter)
    except Exception:
        opened = 0
    if opened == int(settings.CAI_READ_ALERT_PER_HOUR) + 1:
        _alert(user, ReadAlert.Kind.VOLUME, opened)
    if user.sees_all_offices and user.office_ids and beneficiary.office_id not in user.office_ids:
        try:
            first_this_hour = cache.add(f"reads:outside:{user.pk}:{hour}", 1, timeout=60 * 60)
        except Exception:
            first_this_hour = True
        if first_this_hour:
            _alert(user, ReadAlert.Kind.OUTSIDE, 1)


def _alert(user: User, kind: str, count: int) -> None:
    try:
        with transaction.atomic():
            alert = ReadAlert.objects.create(actor=user, kind=kind, count=count)
    except DatabaseError:
        logger.exception("Read log: could not raise a %s alert for user %s", kind, user.pk)
        return
    queue_on_commit(ALERT_TASK, alert.pk)


def recent_alerts(days: int = 7) -> list[ReadAlert]:
    since = timezone.now() - timedelta(days=days)
    return list(ReadAlert.objects.filter(at__gte=since).select_related("actor")[:20])


def file_reads(beneficiary: Any, *, limit: int) -> list[ReadEvent]:
    """Who read this file, newest first: its pages, documents, numbers, and the searches
    that returned it."""
    return list(
        ReadEvent.objects.filter(
            models.Q(beneficiary=beneficiary.pk) | models.Q(files__contains=[beneficiary.pk])
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
