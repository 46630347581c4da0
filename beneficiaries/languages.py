"""Languages a person may speak or read (ISO 639-1 codes, French names), for the file,
interpreters and translated confirmations. Ordered by how often they come up at the CAI."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [
    ("fr", _("français")),
    ("ar", _("arabe")),
    ("en", _("anglais")),
    ("uk", _("ukrainien")),
    ("ru", _("russe")),
    ("fa", _("persan (farsi, dari)")),
    ("ps", _("pachto")),
    ("ti", _("tigrigna")),
    ("tr", _("turc")),
    ("es", _("espagnol")),
    ("pt", _("portugais")),
    ("ro", _("roumain")),
    ("ln", _("lingala")),
    ("sw", _("swahili")),
    ("so", _("somali")),
    ("am", _("amharique")),
    ("ku", _("kurde")),
    ("ber", _("tamazight (berbère)")),
    ("ff", _("peul")),
    ("sq", _("albanais")),
    ("hy", _("arménien")),
    ("ka", _("géorgien")),
    ("ur", _("ourdou")),
    ("hi", _("hindi")),
    ("bn", _("bengali")),
    ("ta", _("tamoul")),
    ("zh", _("chinois")),
    ("vi", _("vietnamien")),
    ("pl", _("polonais")),
    ("it", _("italien")),
    ("de", _("allemand")),
    ("nl", _("néerlandais")),
]
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


def first_language(codes: Iterable[str], available: Collection[str]) -> str:
    """The first of a person's languages (interpreter language first) a text exists in,
    French excepted (it is always there); "" when none."""
    for code in codes:
        if code and code != "fr" and code in available:
            return str(code)
    return ""
