"""Paging for admin lists of a million rows or more.

Django's admin counts every matching row on each page (and, by default, the whole table
too), then leaves the plan of the page query to the database. On a large table both can
cost seconds. LargeTableAdminMixin changes three things:

- the count stops after COUNT_LIMIT + 1 rows (beyond that the list says "more than
  10,000"), so counting costs the same whatever the filter matches;
- a result of at most FEW_ROWS rows is fetched by primary key: its ids come from an
  index-only query, so a filter that matches a handful of rows never makes the page
  query walk the whole table looking for them;
- no count of the unfiltered table and no facet counts.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from reviews.admin.mixins import CheckedLookupsChangeList

COUNT_LIMIT = 10_000
FEW_ROWS = 1_000


class CappedCountPaginator(Paginator):
    """A Paginator whose count stops at COUNT_LIMIT (count_capped says whether it did)."""

    count_capped = False
    # The ids of the whole result when it has at most FEW_ROWS rows, else None.
    few_ids: list | None = None

    @cached_property
    def count(self) -> int:
        unordered = self.object_list.order_by()
        ids = list(unordered.values_list("pk", flat=True)[: FEW_ROWS + 1])
        if len(ids) <= FEW_ROWS:
            self.few_ids = ids
            self.object_list = self.object_list.filter(pk__in=ids)
            return len(ids)
        counted = unordered[: COUNT_LIMIT + 1].count()
        self.count_capped = counted > COUNT_LIMIT
        return min(counted, COUNT_LIMIT)


class LargeTableChangeList(CheckedLookupsChangeList):
    def get_results(self, request):
        super().get_results(request)
        # A list shown whole skips the paginator's page (see ChangeList.get_results): fetch
        # it by primary key too.
        shown_whole = (self.show_all and self.can_show_all) or not self.multi_page
        if self.paginator.few_ids is not None and shown_whole:
            self.result_list = self.paginator.object_list


class LargeTableAdminMixin:
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList
