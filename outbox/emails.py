"""E-mails written from templates: ``templates/emails/<name>_subject.txt``,
``<name>.txt`` and ``<name>.html``, rendered in one language (French by default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def email_render(
    name: str,
    context: Mapping[str, Any],
    *,
    to: list[str],
    reply_to: list[str] | None = None,
    language: str = "fr",
) -> EmailMultiAlternatives:
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context).strip() + "\n"
        html = render_to_string(f"emails/{name}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, reply_to=reply_to or [])
    message.attach_alternative(html, "text/html")
    return message
