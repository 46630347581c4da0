from __future__ import annotations

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


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


class RankedPaginator(CappedCountPaginator):
    """For a list that reads every match to rank it (a search by relevance): one query
    reads the page's ids with the number of matches (``COUNT(*) OVER ()``, counted while
    ranking), a second the page's rows by id. The search runs once, on narrow rows, instead
    of a count that repeats it and a sort of whole rows joined to their relations."""

    def page(self, number: int | str) -> Page:
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # the usual « not a page number »
        if wanted < 1 or (wanted - 1) * self.per_page > self.cap:
            # Before the first or past the last page there can be (and never an offset the
            # database cannot hold): the usual validation, with its error.
            return super().page(number)
        rows = self.object_list
        assert isinstance(rows, QuerySet), "RankedPaginator pages a queryset"
        bottom = max(wanted - 1, 0) * self.per_page
        ranked = list(
            rows.annotate(matches=Window(Count("pk"))).values_list("pk", "matches")[
                bottom : bottom + self.per_page
            ]
        )
        if not ranked:
            return super().page(number)  # nothing there: count, for the right error
        self.__dict__["count"] = min(ranked[0][1], self.cap + 1)
        number = self.validate_number(wanted)
        ids = [pk for pk, _matches in ranked]
        found = rows.model._default_manager.filter(pk__in=ids)
        found.query.select_related = rows.query.select_related
        by_id = {row.pk: row for row in found}
        return Page([by_id[pk] for pk in ids if pk in by_id], number, self)
