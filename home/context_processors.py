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
    section: str  # the path prefix that marks the item as current


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
        _("Permanences"),
        "reception:permanences",
        "bi-door-open",
        frozenset({Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR}),
        "rendez-vous/permanences",
    ),
    NavItem(
        _("Rappels"),
        "reception:callbacks",
        "bi-telephone-inbound",
        frozenset({Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR}),
        "rendez-vous/rappels",
    ),
    NavItem(
        _("Dossiers"),
        "beneficiaries:list",
        "bi-folder2-open",
        frozenset({Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR}),
        "dossiers",
    ),
    NavItem(
        _("Actions groupées"),
        "bulk:list",
        "bi-collection",
        frozenset({Role.CASEWORKER, Role.COORDINATOR}),
        "actions-groupees",
    ),
    NavItem(
        _("Opérateurs"),
        "operators:offers",
        "bi-building",
        frozenset({Role.CASEWORKER, Role.COORDINATOR}),
        "operateurs",
    ),
    NavItem(
        _("Attestations"),
        "attestations:register",
        "bi-award",
        frozenset({Role.COORDINATOR}),
        "attestations",
    ),
    NavItem(
        _("Manquements"),
        "compliance:list",
        "bi-exclamation-octagon",
        frozenset({Role.COORDINATOR}),
        "manquements",
    ),
    NavItem(
        _("Pilotage"),
        "reporting:dashboard",
        "bi-graph-up",
        frozenset({Role.CASEWORKER, Role.COORDINATOR}),
        "pilotage",
    ),
    NavItem(
        _("Imports"),
        "imports:batches",
        "bi-upload",
        frozenset({Role.COORDINATOR}),
        "imports",
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
    path = request.path.strip("/") + "/"
    mine = [item for item in NAVIGATION if user.has_role(*item.roles)]
    # The current item: the longest section the path starts with (« rendez-vous/rappels »
    # before « rendez-vous »).
    current = max(
        (item for item in mine if path.startswith(item.section + "/")),
        key=lambda item: len(item.section),
        default=None,
    )
    items = [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "icon": item.icon,
            "active": item is current,
        }
        for item in mine
    ]
    return {
        "nav_items": items,
        "user_roles": [role.label for role in Role if role in user.roles],
        # « Mes exports » in the user's menu: the roles that export lists.
        "may_export": user.has_role(Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR),
    }
