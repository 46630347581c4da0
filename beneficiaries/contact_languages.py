"""The languages the centre writes to people in (people-facing text: SMS, e-mails, letters,
and later the public pages). French is the reference and the legal text; the others come
from the gettext catalogues in ``locale/`` (compiled by ``make catalogs``), where each
people-facing string is marked with :func:`for_person` so that ``make messages`` extracts
those strings, and only those, for the translators.

A string missing from a language's catalogue is never shown as a key: the French text
stands alone (:func:`translation_of` answers ""). Staff pages stay in French."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from beneficiaries.models import Beneficiary


@dataclass(frozen=True)
class ContactLanguage:
    code: str  # Django's language code (its catalogue: locale/<locale name>/LC_MESSAGES)
    name: str  # its name in itself, as the person reads it
    french: StrOrPromise  # its name for the staff
    rtl: bool = False  # written right to left

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


CONTACT_LANGUAGES: tuple[ContactLanguage, ...] = (
    ContactLanguage("fr", "Français", _("français")),
    ContactLanguage("ar", "العربية", _("arabe"), rtl=True),
    ContactLanguage("uk", "Українська", _("ukrainien")),
    ContactLanguage("ru", "Русский", _("russe")),
    ContactLanguage("en", "English", _("anglais")),
    ContactLanguage("es", "Español", _("espagnol")),
    ContactLanguage("fa-af", "دری", _("dari"), rtl=True),
    ContactLanguage("ps", "پښتو", _("pachto"), rtl=True),
    ContactLanguage("ti", "ትግርኛ", _("tigrigna")),
    ContactLanguage("tr", "Türkçe", _("turc")),
    ContactLanguage("so", "Soomaali", _("somali")),
)
BY_CODE = {language.code: language for language in CONTACT_LANGUAGES}
#: For the staff: « arabe — العربية ».
CONTACT_LANGUAGE_CHOICES = [
    (language.code, format_lazy("{} — {}", language.french, language.name))
    if language.code != "fr"
    else (language.code, language.french)
    for language in CONTACT_LANGUAGES
]

#: A language a person speaks (``beneficiaries.languages``) -> the language written to them.
SPOKEN_TO_CONTACT = {"fa": "fa-af"}


def spoken_for(code: str) -> str:
    """The spoken language (``beneficiaries.languages``, an interpreter's) of a language
    the centre writes in: « fa-af » is spoken « fa »."""
    return next((spoken for spoken, written in SPOKEN_TO_CONTACT.items() if written == code), code)


def for_person(message: str) -> str:
    """Marks ``message`` (French) as people-facing: ``make messages`` extracts it into the
    catalogues. Returns it unchanged: the text is translated where it is written, in the
    person's language (:func:`translation_of`)."""
    return message


def person_text(message: str) -> StrOrPromise:
    """Marks ``message`` (French) as people-facing, translated lazily into the language
    active when it is shown (the public pages activate the person's)."""
    return _(message)


def translation_of(message: str, code: str) -> str:
    """``message`` in the language ``code`` from its catalogue; "" for French, for a
    language the centre does not write in, and when the catalogue has no translation
    yet (the French text then goes alone, never a key)."""
    if code == "fr" or code not in BY_CODE:
        return ""
    with translation.override(code):
        translated = translation.gettext(message)
    return "" if translated == message else translated


def whole_translation(
    texts: Mapping[str, str], spoken: Iterable[str]
) -> tuple[str, dict[str, str]]:
    """``texts`` (French, by key: a letter's paragraphs) in the first of the person's
    languages whose catalogue translates every one of them — a letter half translated
    would mislead: the language's code and the translations; ("", {}) when none does."""
    for code in spoken:
        written = SPOKEN_TO_CONTACT.get(code, code)
        translated = {key: translation_of(text, written) for key, text in texts.items()}
        if translated and all(translated.values()):
            return written, translated
    return "", {}


def translated_for(message: str, spoken: Iterable[str]) -> tuple[str, str]:
    """``message`` in the first of a person's languages whose catalogue translates it,
    with that language's code; ("", "") when none does."""
    code, texts = whole_translation({"": message}, spoken)
    return code, texts.get("", "")


def languages_written_to(file: Beneficiary) -> list[str]:
    """The languages to write to a person in, by preference: the file's contact
    language when one is chosen (only it), else their languages, the interpreter's
    first."""
    if file.contact_language:
        return [file.contact_language]
    return [file.interpreter_language, *(file.languages or [])]


def contact_language_for(spoken: Iterable[str]) -> str:
    """The first of a person's languages (the interpreter's first) the centre writes in,
    French excepted (always there); "" when none."""
    for code in spoken:
        written = SPOKEN_TO_CONTACT.get(code, code)
        if written and written != "fr" and written in BY_CODE:
            return written
    return ""


def bilingual(
    paragraphs: Mapping[str, str], values: Mapping[str, str], file: Beneficiary
) -> dict[str, Any]:
    """A paper document's paragraphs (French, by key, with ``{placeholders}``) filled with
    ``values``: ``french`` always (the legal text), and ``translated`` the same in the
    person's language where its catalogue has every paragraph, else ``{}``. In a text
    written right to left, each value keeps its own direction (dates, numbers, names)."""
    language, translated = whole_translation(paragraphs, languages_written_to(file))
    rtl = bool(language) and BY_CODE[language].rtl
    isolated = {key: f"\u2068{value}\u2069" for key, value in values.items()} if rtl else values
    return {
        "french": {key: text.format(**values) for key, text in paragraphs.items()},
        "language": language,
        "language_name": str(BY_CODE[language].french) if language else "",
        "rtl": rtl,
        "translated": {key: text.format(**isolated) for key, text in translated.items()},
    }
