"""Reads on files shared by views: search and duplicate detection."""

from __future__ import annotations

import re

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Greatest

from beneficiaries.models import Beneficiary, CaiUnaccent

FILE_NUMBER = re.compile(r"^cai-\d{4}-\d+$", re.IGNORECASE)
# Word similarity above which a typo still matches ("hadad" for "haddad").
WORD_SIMILARITY = 0.45
DUPLICATE_SIMILARITY = 0.35


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def beneficiary_search(queryset: QuerySet[Beneficiary], text: str) -> QuerySet[Beneficiary]:
    """One box for a name, a file number or a register number.

    Names are matched accent- and case-insensitively on ``search_text`` (a stored column,
    trigram-indexed): each word must appear in the name, or be close to one of its words
    (typos). Best matches first.
    """
    text = " ".join(text.split())
    if not text:
        return queryset
    if FILE_NUMBER.match(text):
        return queryset.filter(file_number__iexact=text)
    digits = _digits(text)
    if len(digits) == 11 and not re.search(r"[^\d\s.\-/]", text):
        return queryset.filter(national_number=digits)
    if text.lower().startswith("cai-"):
        return queryset.filter(file_number__istartswith=text)
    words = [word for word in text.split(" ") if word][:5]
    condition = Q()
    scores = []
    for word in words:
        normalized = CaiUnaccent(Value(word))
        condition &= Q(search_text__contains=normalized) | Q(
            search_text__trigram_word_similar=normalized
        )
        scores.append(TrigramWordSimilarity(normalized, "search_text"))
    score = scores[0] if len(scores) == 1 else Greatest(*scores)
    return (
        queryset.filter(condition)
        .annotate(relevance=score)
        .order_by("-relevance", "last_name", "first_names", "id")
    )


def likely_duplicates(
    *, last_name: str, first_names: str, birth_date: object, exclude_pk: int | None = None
) -> QuerySet[Beneficiary]:
    """Files with the same birth date and a similar name (accents, order of the names and
    typos do not matter), most similar first."""
    name = CaiUnaccent(Value(f"{last_name} {first_names}"))
    return (
        Beneficiary.objects.filter(birth_date=birth_date)
        .exclude(pk=exclude_pk)
        .annotate(similarity=TrigramSimilarity("search_text", name))
        .filter(similarity__gte=DUPLICATE_SIMILARITY)
        .select_related("office")
        .order_by("-similarity")[:5]
    )
