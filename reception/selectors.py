from __future__ import annotations

from django.db.models import Count, QuerySet

from cainamur.models import User
from offices.models import Office
from offices.selectors import visible_offices
from reception.models import Callback, Permanence


def visible_callbacks(user: User) -> QuerySet[Callback]:
    return Callback.objects.visible_to(user)


def open_callbacks(user: User, office: Office | None = None) -> QuerySet[Callback]:
    """Open call-backs, oldest first, with their attempt count (one query)."""
    rows = (
        visible_callbacks(user)
        .filter(status=Callback.Status.OPEN)
        .select_related("office", "assigned_to", "created_by")
        .annotate(attempt_count=Count("attempts"))
        .order_by("created_at", "id")
    )
    return rows.filter(office=office) if office else rows


def visible_permanences(user: User) -> QuerySet[Permanence]:
    return Permanence.objects.filter(is_active=True, office__in=visible_offices(user))
