"""Log hygiene: records must carry ids, never personal data.

Code logs ids on purpose; this filter is the safety net for what slips through (an
exception message quoting a form value, a library logging an address): e-mail addresses,
Belgian national register / BIS numbers and phone numbers are masked before any handler
writes the record.
"""

from __future__ import annotations

import logging
import re

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
