"""Access control shared by every app.

Two layers, used together by every view:

1. **Role**: ``RoleRequiredMixin`` (class-based views) and ``role_required`` (functions)
   answer 403 to a logged-in user without one of the view's roles. Anonymous users never
   get this far: ``LoginRequiredMiddleware`` sends them to the login page.
2. **Scope**: every object a user can reach comes through a queryset's ``visible_to(user)``;
   an object outside it is a 404, never a leak. Models attached to an office inherit
   ``OfficeScopedQuerySet`` and name the path to that office in ``office_lookup``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from cainamur.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from cainamur.models import User

STAFF_ROLES: tuple[Role, ...] = tuple(Role)
FILE_ROLES: tuple[Role, ...] = (Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR)
# Who runs the path and edits a file (reception registers and books, but no more).
EDIT_ROLES: tuple[Role, ...] = (Role.CASEWORKER, Role.COORDINATOR)


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``RoleRequiredMixin`` or ``role_required``: its user is
    a staff member, never anonymous (for the type checker; Django's request at run time)."""

    user: User


def may_see_health(user: User) -> bool:
    """Health data (a medical exemption, its reason and certificate) needs its permission."""
    return user.has_perm("beneficiaries.view_health_data")


def user_has_role(user: User | AnonymousUser, roles: Iterable[Role]) -> bool:
    return user.is_authenticated and user.has_role(*roles)


class RoleRequiredMixin:
    """Class-based views: 403 unless the user holds one of ``allowed_roles``.

    Each view also declares ``request: AuthenticatedHttpRequest`` (mypy refuses the
    narrower type on a mixin that View's own ``request`` would then contradict).
    """

    allowed_roles: ClassVar[tuple[Role, ...]] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.allowed_roles:
            raise PermissionDenied  # a view that forgot to declare its roles is closed
        if not user_has_role(request.user, self.allowed_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def role_required(*roles: Role) -> Callable[[_View], _View]:
    """Function views: 403 unless the user holds one of ``roles``. The view takes an
    ``AuthenticatedHttpRequest``."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorator(view: _View) -> _View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not user_has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


class OfficeScopedQuerySet(models.QuerySet):
    """Rows attached to an office; ``visible_to`` keeps those the user may see.

    Coordinators and administrators see every office; other staff see the offices they
    belong to; anyone else sees nothing.
    """

    office_lookup: ClassVar[str] = "office"

    def visible_to(self, user: User | AnonymousUser) -> OfficeScopedQuerySet:
        if not user.is_authenticated or not user.roles:
            return self.none()
        if user.sees_all_offices:
            return self
        return self.filter(**{f"{self.office_lookup}__in": user.office_ids})
