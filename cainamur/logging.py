"""Log hygiene: records must carry ids, never personal data.

Code logs ids on purpose; this filter is the safety net for what slips through (an
exception message quoting a form value, a library logging an address): e-mail addresses,
Belgian national register / BIS numbers and phone numbers are masked before any handler
writes the record.

In production (``CAI_LOG_FORMAT=json``, the default without ``DJANGO_DEBUG``) each record is
one JSON line carrying the request id and the user id (``RequestContext``, ``JsonFormatter``);
gunicorn's own lines take the same shape (``gunicorn.conf.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from celery import current_task
from pythonjsonlogger import json as jsonlogger

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    # National register / BIS number: 11 digits, often written 85.07.30-033.28.
    (re.compile(r"(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-\s]?\d{3}[.\s]?\d{2}(?!\d)"), "[nrn]"),
    # Phone numbers: +32 or a leading 0, then 8-10 digits with optional separators.
    (re.compile(r"(?<![\w/])(?:\+\d{2}|0)\d(?:[\s./-]?\d){7,9}(?!\d)"), "[phone]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted, so handlers do not re-render the original.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


# --- Context of each record: which request, which user, which task -------------------------
# Set by cainamur.request_context's middlewares for the request being served (the user's id,
# never a name); a Celery task gives its own id.
request_id_var: ContextVar[str | None] = ContextVar("cai_request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("cai_user_id", default=None)


class RequestContext(logging.Filter):
    """Adds ``request_id``, ``user_id`` and ``task_id`` to every record (None outside a
    request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        task = current_task.request if current_task else None
        record.task_id = getattr(task, "id", None)
        return True


#: What a JSON line holds, nothing else (a record's extras, such as Django's ``request``
#: with its query string, are left out).
JSON_FIELDS = ("time", "level", "logger", "message", "request_id", "user_id", "task_id")

#: gunicorn's access-log atoms (gunicorn.glogging) and the names they get in a JSON line.
ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "{x-request-id}o": "request_id",
}


class JsonFormatter(jsonlogger.JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request id,
    user id, task id, and the traceback if any; gunicorn's access lines as fields (the
    path without its query string). Text is redacted once more at the end (``redact``),
    ids are not: they are ours or checked (``cainamur.request_context``)."""

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = redact(record.getMessage())
        for field in ("request_id", "user_id", "task_id"):
            log_data[field] = getattr(record, field, None)
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, field in ACCESS_FIELDS.items():
                value = record.args[atom]  # gunicorn's SafeAtoms: "-" when missing
                if value is None or value == "-":
                    continue
                if field in ("status", "bytes", "duration_ms"):
                    value = int(str(value)) if str(value).isdigit() else value
                log_data[field] = redact(str(value)) if field == "path" else value
            log_data["message"] = " ".join(
                str(log_data.get(field, "-")) for field in ("method", "path", "status")
            )
        for key in ("exc_info", "stack_info"):
            if message_dict.get(key):
                log_data[key] = redact(str(message_dict[key]))
