"""The database triggers a maintenance write must step past (``pgtrigger.ignore``)."""

from __future__ import annotations

from collections.abc import Iterable

import pgtrigger
from django.db import models


def triggers_of(model_classes: Iterable[type[models.Model]]) -> list[str]:
    """The URIs of every pgtrigger trigger installed on these models' tables (history
    triggers, frozen-content and append-only guards), for ``pgtrigger.ignore``."""
    tables = {model._meta.db_table for model in model_classes}
    return [
        trigger.get_uri(model)
        for model, trigger in pgtrigger.registered()
        if model._meta.db_table in tables
    ]
