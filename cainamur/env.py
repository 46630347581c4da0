"""Typed readers for environment variables.

Each helper fails loudly (``ImproperlyConfigured``) on a value it cannot parse, so that a
typo in production configuration stops the process at start-up instead of silently
falling back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# The methods below are named after the types they return; aliases keep annotations clear.
Text = str
Flag = bool
Whole = int
List = list

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    def __init__(self, environ: Mapping[Text, Text] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def _raw(self, name: Text) -> Text | None:
        value = self._environ.get(name)
        return None if value is None else value.strip()

    def str(self, name: Text, default: Text | None = None, *, required: Flag = False) -> Text:
        value = self._raw(name)
        if value:
            return value
        if required or default is None:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default

    def optional_str(self, name: Text) -> Text | None:
        return self._raw(name) or None

    def bool(self, name: Text, default: Flag = False) -> Flag:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
        )

    def int(self, name: Text, default: Whole, *, minimum: Whole | None = None) -> Whole:
        value = self._raw(name)
        if not value:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
        return number

    def list(self, name: Text, default: List[Text] | None = None) -> List[Text]:
        value = self._raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: Text, choices: tuple[Text, ...], default: Text) -> Text:
        value = self._raw(name) or default
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
        return value

    def url(self, name: Text, *, schemes: tuple[Text, ...]) -> Text | None:
        value = self._raw(name)
        if not value:
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in schemes:
            raise ImproperlyConfigured(
                f"{name} must be a URL starting with one of: "
                f"{', '.join(s + '://' for s in schemes)}."
            )
        return value


env = Env()
