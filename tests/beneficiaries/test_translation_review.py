"""The reviews of people-facing translations in the admin: per language, what is
reviewed, what is « à relire » and what is not translated; a review holds for the text
as it was reviewed only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from beneficiaries import translations
from beneficiaries.models import TranslationReview
from cainamur.models import User

OVERVIEW = "admin:beneficiaries_translation_overview"


def _language(code: str) -> str:
    return reverse("admin:beneficiaries_translation_language", kwargs={"code": code})


def test_an_administrator_reviews_translations_language_by_language(
    login_client: Any, administrator: User
) -> None:
    client = login_client(administrator)
    arabic = translations.language_state("ar")
    total = len(arabic.entries)
    assert total >= 7 and arabic.to_review == total and arabic.reviewed == 0
    tigrinya = translations.language_state("ti")
    # Every catalogue is written, none read yet by someone who reads the language.
    assert tigrinya.missing == 0 and tigrinya.to_review == total

    overview = client.get(reverse(OVERVIEW)).content.decode()
    assert "Arabe" in overview and "العربية" in overview and "Tigrigna" in overview
    page = client.get(_language("ar")).content.decode()
    assert page.count("à relire</strong>") == total
    assert 'dir="rtl"' in page and "دعوة إلى مقابلة التقييم" in page

    chosen = [source for source, _text in translations.catalogue("ar")][:2]
    response = client.post(_language("ar"), {"source": [*chosen, "Un texte inconnu."]}, follow=True)
    assert "2 traductions marquées comme relues." in response.content.decode()
    state = translations.language_state("ar")
    assert state.reviewed == 2 and state.to_review == total - 2
    review = TranslationReview.objects.get(language="ar", source=chosen[0])
    assert review.reviewed_by == administrator
    # Marked again: nothing new.
    client.post(_language("ar"), {"source": chosen})
    assert TranslationReview.objects.filter(language="ar").count() == 2


def test_a_review_of_another_wording_does_not_count(administrator: User) -> None:
    source, text = translations.catalogue("uk")[0]
    TranslationReview.objects.create(
        language="uk",
        key=translations.review_key("uk", source, text + " (ancienne version)"),
        source=source,
        translation=text + " (ancienne version)",
        reviewed_by=administrator,
    )
    entry = next(e for e in translations.language_state("uk").entries if e.source == source)
    assert entry.translation == text and not entry.reviewed


def test_only_the_admin_reviews_and_only_languages_written_to_people(
    login_client: Any, administrator: User, caseworker: User
) -> None:
    assert login_client(caseworker).get(reverse(OVERVIEW)).status_code == 302  # to the login
    response = login_client(caseworker).post(_language("ar"), {"source": ["x"]})
    assert response.status_code == 302 and not TranslationReview.objects.exists()
    client = login_client(administrator)
    assert client.get(_language("fr")).status_code == 404  # the reference itself
    assert client.get(_language("de")).status_code == 404
