from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Field, Model


def field_labels(model: type[Model], names: Iterable[str]) -> str:
    """ "nom, date de naissance": the verbose names of fields, for messages and history."""
    return ", ".join(_label(model, name) for name in names)


def _label(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a concrete field"
    return str(field.verbose_name)


def max_length(model: type[Model], name: str) -> int | None:
    """The most characters a field holds (None: no limit), for a form or a service to say
    the same maximum as the model."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a concrete field"
    return field.max_length
