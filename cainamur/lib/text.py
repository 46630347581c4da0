from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model


def field_labels(model: type[Model], names: Iterable[str]) -> str:
    """ "nom, date de naissance": the verbose names of fields, for messages and history."""
    return ", ".join(
        str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        for name in names
    )
