from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedCountPaginator(Paginator):
    """Counts at most ``cap`` rows (one cheap ``LIMIT`` subquery instead of counting a
    large table or search result). Beyond the cap the page says "more than N" and offers
    the first ``cap`` rows: refining the search is more useful than page 4,000."""

    cap = 1000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        assert isinstance(rows, QuerySet), "CappedCountPaginator pages a queryset"
        return rows.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
