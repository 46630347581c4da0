"""Reads on files shared by views and by other apps: search, duplicate detection,
consents."""

from __future__ import annotations

import re
from datetime import date

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Greatest

from beneficiaries.models import Beneficiary, CaiUnaccent, Consent
from cainamur.lib.name_order import by_name
from cainamur.models import User

FILE_NUMBER = re.compile(r"^cai-\d{4}-\d+$", re.IGNORECASE)
# Words shorter than this are matched as typed; longer ones also match with a typo
# (PostgreSQL's word-similarity threshold, 0.6 by default: "hadad" finds "haddad").
TYPO_MIN_LENGTH = 5
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
        return queryset.filter(file_number=text.upper())  # stored upper case: unique index
    digits = _digits(text)
    if len(digits) == 11 and not re.search(r"[^\d\s.\-/]", text):
        return queryset.with_national_number(digits)  # type: ignore[attr-defined]
    if text.lower().startswith("cai-"):
        return queryset.filter(file_number__startswith=text.upper())
    words = [word for word in text.split(" ") if word][:5]
    condition = Q()
    scores = []
    for word in words:
        normalized = CaiUnaccent(Value(word))
        matches = Q(search_text__contains=normalized)
        if len(word) >= TYPO_MIN_LENGTH:
            # Long enough to carry a typo: also accept a close word. Short fragments are
            # matched as typed (a fuzzy 3-letter word would match half the names).
            matches |= Q(search_text__trigram_word_similar=normalized)
        condition &= matches
        # django-stubs wants a str; Django wraps only a plain string in Value().
        scores.append(TrigramWordSimilarity(normalized, "search_text"))  # type: ignore[arg-type]
    score = scores[0] if len(scores) == 1 else Greatest(*scores)
    return (
        queryset.filter(condition)
        .annotate(relevance=score)
        .order_by("-relevance", *by_name("last_name", "first_names"), "id")
    )


def likely_duplicates(
    *, last_name: str, first_names: str, birth_date: date, exclude_pk: int | None = None
) -> QuerySet[Beneficiary]:
    """Files with the same birth date and a similar name (accents, order of the names and
    typos do not matter), most similar first."""
    name = CaiUnaccent(Value(f"{last_name} {first_names}"))
    return (
        Beneficiary.objects.filter(birth_date=birth_date)
        .exclude(pk=exclude_pk)
        # django-stubs wants a str; Django wraps only a plain string in Value().
        .annotate(similarity=TrigramSimilarity("search_text", name))  # type: ignore[arg-type]
        .filter(similarity__gte=DUPLICATE_SIMILARITY)
        .select_related("office")
        .order_by("-similarity")[:5]
    )


def files_resembling(
    *, last_name: str, first_names: str, phone: str = "", email: str = "", national_number: str = ""
) -> list[Beneficiary]:
    """Files that may be the person of an online booking (no birth date to go by): a
    similar name, the same phone number, e-mail address or register number; the most
    similar first (at most 5)."""
    name = CaiUnaccent(Value(f"{last_name} {first_names}"))
    match = Q(similarity__gte=DUPLICATE_SIMILARITY)
    if phone:
        match |= Q(phone=phone)
    if email:
        match |= Q(email__iexact=email)
    if national_number:
        match |= Q(pk__in=Beneficiary.objects.with_national_number(national_number).values("pk"))
    return list(
        Beneficiary.objects.annotate(
            similarity=TrigramSimilarity("search_text", name)  # type: ignore[arg-type]
        )
        .filter(match)
        .select_related("office")
        .order_by("-similarity", "pk")[:5]
    )


def scoped_files(user: User) -> QuerySet[Beneficiary]:
    """The files a user may open, with what every file page shows of them."""
    return Beneficiary.objects.visible_to(user).select_related(
        "office", "commune", "caseworker", "cpas"
    )


def has_consent(beneficiary: Beneficiary | int, purpose: str, *, recipient: str = "") -> bool:
    """Whether the file holds a consent for ``purpose`` (a ``ConsentPurpose``) that has not
    been withdrawn; for a sharing, with this operator (any case). Other apps ask before
    doing what depends on it (SMS reminders, a sharing, a photo)."""
    consents = Consent.objects.active().filter(beneficiary=beneficiary, purpose=purpose)
    if recipient:
        consents = consents.filter(recipient__iexact=recipient.strip())
    return consents.exists()
