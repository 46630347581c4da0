"""A Babel extractor for Django templates (``make messages``): the page's text marked with
``{% translate %}`` / ``{% blocktranslate %}`` goes to the people's catalogues like the
strings marked ``for_person()`` in Python. Django's own ``templatize`` turns the template
into Python that Babel's extractor reads (no GNU gettext needed)."""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python
from django.utils.translation.template import templatize

#: What the catalogues know the strings by (Makefile: --keyword for_person).
KEYWORD = "for_person"


def extract(
    fileobj: IO[bytes],
    keywords: Collection[str],  # noqa: ARG001 - Babel's signature; ours are fixed
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, Any, list[str]]]:
    code = templatize(fileobj.read().decode("utf-8"))
    found = extract_python(
        io.BytesIO(code.encode("utf-8")),
        {"gettext": None, "_": None},
        comment_tags,
        dict(options),  # type: ignore[arg-type]
    )
    for lineno, _funcname, messages, comments in found:
        if isinstance(messages, str):  # one string: not a plural nor with a context
            yield lineno, KEYWORD, messages, comments
