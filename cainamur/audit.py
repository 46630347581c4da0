"""The one audit trail: every human-initiated write records who did what, to which
object and in which file, in the same transaction as the change.

Services take a keyword-only ``by`` (the acting user; None for a beat task or an operator
reporting through its link) and call :func:`record`. The file's « Historique » is
:func:`file_trail`. Raw row history (django-pghistory) carries the same user and request
through ``pghistory.middleware.HistoryMiddleware``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cainamur.models import AuditEvent, User

SUMMARY_LENGTH = AuditEvent._meta.get_field("summary").max_length or 300

#: ``data["evidence"]`` of the rows that prove the Region offered no place in time (a
#: waiting list, a « no place available »): the non-compliance report lists them
#: (CWASS art. 152/8: no fine when no place was offered).
WAITING_LIST_EVIDENCE = "waiting_list"


def record(
    *,
    by: User | None,
    action: str,
    summary: str,
    beneficiary: models.Model | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """One audit row. ``action`` is a stable key (``parcours.convention_sign``); ``summary``
    a short French sentence for the file's history, never with free text: every role with
    the file reads it, and a reason typed by a person may be health information. Such a
    ``reason`` is kept apart (``data["reason"]``) and shown only with the health
    permission. ``beneficiary`` is the file (``beneficiaries.Beneficiary``, a floor above:
    not imported here)."""
    details = dict(data or {})
    if reason.strip():
        details["reason"] = reason.strip()
    return AuditEvent.objects.create(
        actor=by,
        action=action,
        summary=summary[:SUMMARY_LENGTH],
        # The file is typed Model (its model is a floor above), so it is given by id.
        beneficiary_id=beneficiary.pk if beneficiary is not None else None,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        data=details,
    )


def file_trail(
    beneficiary: models.Model, *, limit: int | None, hidden: tuple[str, ...] = ()
) -> list[AuditEvent]:
    """A file's history, newest first: ``limit`` lines, plus one to tell whether there are
    more (None: everything). ``hidden``: action prefixes the reader may not see (e.g. the
    orientations, which reception does not follow)."""
    events = AuditEvent.objects.filter(beneficiary=beneficiary.pk).select_related("actor")
    for prefix in hidden:
        events = events.exclude(action__startswith=prefix)
    return list(events if limit is None else events[: limit + 1])


def evidence_trail(beneficiary_id: int, key: str) -> models.QuerySet[AuditEvent]:
    """A file's rows marked as evidence of one kind, oldest first."""
    return AuditEvent.objects.filter(beneficiary=beneficiary_id, data__evidence=key).order_by(
        "at", "id"
    )


def object_trail(obj: models.Model, *, action: str | None = None) -> models.QuerySet[AuditEvent]:
    """The rows about one object, oldest first."""
    rows = AuditEvent.objects.filter(
        object_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )
    if action is not None:
        rows = rows.filter(action=action)
    return rows.order_by("at", "id")
