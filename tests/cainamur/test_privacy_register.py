"""The register of processing names every model holding personal data (issue 13) and
docs/privacy.md is what the code says."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings

from cainamur.privacy import NOT_PERSONAL, REGISTER, render_register
from tests.conftest import PROJECT_APPS


def test_every_model_is_either_in_the_register_or_declared_without_personal_data() -> None:
    labels = {
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and not (
            model.__name__.endswith("Event") and model.__name__ not in ("AuditEvent", "ReadEvent")
        )
    }
    assert labels - set(REGISTER) - NOT_PERSONAL == set()
    assert set(REGISTER) & NOT_PERSONAL == set()
    assert set(REGISTER) | NOT_PERSONAL <= labels  # nothing stale either


def test_docs_privacy_is_up_to_date() -> None:
    current = (Path(settings.BASE_DIR) / "docs" / "privacy.md").read_text()
    assert current == render_register(), "run: python manage.py privacy_register"
