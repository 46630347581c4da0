"""Which translations of people-facing text (the catalogues in ``locale/``) a member of
staff has reviewed: a translation is « à relire » until a review of that very text exists
(``TranslationReview``), and again once the catalogue changes it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.db import transaction
from django.utils.translation import to_locale

from beneficiaries.contact_languages import BY_CODE, CONTACT_LANGUAGES, ContactLanguage
from beneficiaries.models import TranslationReview
from cainamur.models import User


@dataclass(frozen=True)
class Entry:
    source: str  # the French text (the catalogue's key)
    translation: str  # "" while nobody has translated it
    reviewed: bool


@dataclass(frozen=True)
class LanguageState:
    language: ContactLanguage
    entries: tuple[Entry, ...]

    @property
    def reviewed(self) -> int:
        return sum(1 for entry in self.entries if entry.reviewed)

    @property
    def to_review(self) -> int:
        return sum(1 for entry in self.entries if entry.translation and not entry.reviewed)

    @property
    def missing(self) -> int:
        return sum(1 for entry in self.entries if not entry.translation)


def catalogue_path(code: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / to_locale(code) / "LC_MESSAGES" / "django.po"


@lru_cache(maxsize=32)
def _read(path: Path, _mtime: float) -> tuple[tuple[str, str], ...]:
    with path.open("rb") as handle:
        return tuple(
            (str(message.id), str(message.string or ""))
            for message in read_po(handle)
            if message.id and isinstance(message.id, str)
        )


def catalogue(code: str) -> tuple[tuple[str, str], ...]:
    """The language's (French text, translation) pairs, as its catalogue has them now."""
    path = catalogue_path(code)
    if not path.exists():
        return ()
    return _read(path, path.stat().st_mtime)


def review_key(code: str, source: str, translation: str) -> str:
    return hashlib.sha256("\x00".join((code, source, translation)).encode()).hexdigest()


def language_state(code: str) -> LanguageState:
    pairs = catalogue(code)
    reviewed = set(
        TranslationReview.objects.filter(
            key__in=[review_key(code, source, text) for source, text in pairs if text]
        ).values_list("key", flat=True)
    )
    return LanguageState(
        BY_CODE[code],
        tuple(
            Entry(source, text, bool(text) and review_key(code, source, text) in reviewed)
            for source, text in pairs
        ),
    )


def states() -> list[LanguageState]:
    """Every language but French (the reference), in the list's order."""
    return [language_state(language.code) for language in CONTACT_LANGUAGES[1:]]


def translations_review(*, code: str, sources: Iterable[str], by: User) -> int:
    """Mark the current translations of ``sources`` in ``code`` as reviewed by ``by``;
    texts without a translation, or no longer in the catalogue, are left. Returns how
    many were newly marked."""
    current = dict(catalogue(code))
    marked = 0
    with transaction.atomic():
        for source in set(sources):
            text = current.get(source, "")
            if not text:
                continue
            _row, created = TranslationReview.objects.get_or_create(
                key=review_key(code, source, text),
                defaults={
                    "language": code,
                    "source": source,
                    "translation": text,
                    "reviewed_by": by,
                },
            )
            marked += created
    return marked
