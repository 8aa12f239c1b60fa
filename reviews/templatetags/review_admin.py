"""The review list's date hierarchy, drawn from the range of creation dates."""

import calendar
import datetime

from django import template
from django.utils import formats, timezone
from django.utils.text import capfirst

from reviews import admin_selectors

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def review_date_hierarchy(cl) -> dict:
    """Year, month and day links like Django's date hierarchy, without reading every row.

    The choices are every year (or month, or day) between the first and the latest review,
    whatever the other filters: a period may hold no matching review.
    """
    field = cl.date_hierarchy
    year, month, day = (cl.params.get(f"{field}__{part}") for part in ("year", "month", "day"))

    def link(filters: dict) -> str:
        return cl.get_query_string(filters, [f"{field}__"])

    if year and month and day:
        date = datetime.date(int(year), int(month), int(day))
        return {
            "show": True,
            "back": {
                "link": link({f"{field}__year": year, f"{field}__month": month}),
                "title": capfirst(formats.date_format(date, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT"))}],
        }
    span = admin_selectors.review_created_range()
    if span is None:
        return {"show": False}
    first, last = (timezone.localdate(moment) for moment in span)
    if not year and first.year == last.year:
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month:
        year, month = int(year), int(month)
        days = [
            datetime.date(year, month, number)
            for number in range(1, calendar.monthrange(year, month)[1] + 1)
            if first <= datetime.date(year, month, number) <= last
        ]
        return {
            "show": True,
            "back": {"link": link({f"{field}__year": year}), "title": str(year)},
            "choices": [
                {
                    "link": link(
                        {f"{field}__year": year, f"{field}__month": month, f"{field}__day": d.day}
                    ),
                    "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                }
                for d in days
            ],
        }
    if year:
        year = int(year)
        months = [
            datetime.date(year, number, 1)
            for number in range(1, 13)
            if (first.year, first.month) <= (year, number) <= (last.year, last.month)
        ]
        return {
            "show": True,
            "back": {"link": link({}), "title": "All dates"},
            "choices": [
                {
                    "link": link({f"{field}__year": year, f"{field}__month": m.month}),
                    "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                }
                for m in months
            ],
        }
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link({f"{field}__year": str(number)}), "title": str(number)}
            for number in range(first.year, last.year + 1)
        ],
    }
