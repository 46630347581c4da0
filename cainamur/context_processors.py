from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cainamur.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[Role]
    section: str  # the first path segment that marks the item as current


NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Accueil"), "home-reception", "bi-telephone", frozenset({Role.RECEPTION}), "accueil"),
    NavItem(
        _("Mes dossiers"),
        "home-caseworker",
        "bi-person-workspace",
        frozenset({Role.CASEWORKER}),
        "accompagnement",
    ),
    NavItem(
        _("Coordination"),
        "home-coordinator",
        "bi-diagram-3",
        frozenset({Role.COORDINATOR}),
        "coordination",
    ),
    NavItem(
        _("Agenda"),
        "appointments:agenda",
        "bi-calendar-week",
        frozenset({Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR}),
        "rendez-vous",
    ),
    NavItem(
        _("Dossiers"),
        "beneficiaries:list",
        "bi-folder2-open",
        frozenset({Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR}),
        "dossiers",
    ),
    NavItem(
        _("Attestations"),
        "attestations:register",
        "bi-award",
        frozenset({Role.COORDINATOR}),
        "attestations",
    ),
    NavItem(
        _("Administration"),
        "home-administrator",
        "bi-gear",
        frozenset({Role.ADMINISTRATOR}),
        "administration",
    ),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    section = request.path.strip("/").split("/", 1)[0]
    items = [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "icon": item.icon,
            "active": section == item.section,
        }
        for item in NAVIGATION
        if user.has_role(*item.roles)
    ]
    return {
        "nav_items": items,
        "user_roles": [role.label for role in Role if role in user.roles],
    }
