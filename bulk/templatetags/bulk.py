"""Whether the file list offers its selection and the bulk actions (the roles that may run
them: a role never sees a button that answers 403)."""

from __future__ import annotations

from typing import Any

from django import template

from bulk.services import MAX_FILES
from cainamur.permissions import EDIT_ROLES, user_has_role

register = template.Library()


@register.simple_tag(takes_context=True)
def may_act_in_bulk(context: dict[str, Any]) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and user_has_role(user, EDIT_ROLES)


@register.simple_tag
def bulk_limit() -> int:
    """At most this many files in one action (« les N dossiers du filtre »)."""
    return MAX_FILES
