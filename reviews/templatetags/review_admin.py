"""The review list's date hierarchy, drawn from the range of creation dates."""

import calendar
import datetime

from django import template
from django.utils import formats, timezone
from django.utils.text import capfirst

from reviews.selectors.review_filters import review_created_range

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def review_date_hierarchy(cl) -> dict:
    """Year, month and day links like Django's date hierarchy, without reading every row.

    The choices are every year (or month, or day) between the first and the latest review,
    whatever the other filters: a period may hold no matching review.
    """
    field = cl.date_hierarchy
    year, month, day = (cl.params.get(f"{field}__{part}") for part in ("year", "month", "day"))

    def link(**parts) -> str:
        return cl.get_query_string(
            {f"{field}__{key}": value for key, value in parts.items()}, [f"{field}__"]
        )

    if year and month and day:
        return one_day(datetime.date(int(year), int(month), int(day)), link)
    span = review_created_range()
    if span is None:
        return {"show": False}
    first, last = (timezone.localdate(moment) for moment in span)
    if not year and first.year == last.year:
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month:
        return days_of_month(int(year), int(month), first, last, link)
    if year:
        return months_of_year(int(year), first, last, link)
    return years(first, last, link)


def title(date: datetime.date, date_format: str) -> str:
    return capfirst(formats.date_format(date, date_format))


def one_day(date: datetime.date, link) -> dict:
    """A day is chosen: a link back to its month, and the day itself."""
    return {
        "show": True,
        "back": {
            "link": link(year=date.year, month=date.month),
            "title": title(date, "YEAR_MONTH_FORMAT"),
        },
        "choices": [{"title": title(date, "MONTH_DAY_FORMAT")}],
    }


def days_of_month(year: int, month: int, first, last, link) -> dict:
    """A month is chosen: a link back to its year, and its days that have reviews around."""
    days = [
        datetime.date(year, month, number)
        for number in range(1, calendar.monthrange(year, month)[1] + 1)
        if first <= datetime.date(year, month, number) <= last
    ]
    return {
        "show": True,
        "back": {"link": link(year=year), "title": str(year)},
        "choices": [
            {
                "link": link(year=year, month=month, day=day.day),
                "title": title(day, "MONTH_DAY_FORMAT"),
            }
            for day in days
        ],
    }


def months_of_year(year: int, first, last, link) -> dict:
    """A year is chosen: a link back to all dates, and its months within the range."""
    months = [
        datetime.date(year, number, 1)
        for number in range(1, 13)
        if (first.year, first.month) <= (year, number) <= (last.year, last.month)
    ]
    return {
        "show": True,
        "back": {"link": link(), "title": "All dates"},
        "choices": [
            {"link": link(year=year, month=m.month), "title": title(m, "YEAR_MONTH_FORMAT")}
            for m in months
        ],
    }


def years(first, last, link) -> dict:
    """Nothing is chosen: every year from the first review's to the latest's."""
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link(year=str(number)), "title": str(number)}
            for number in range(first.year, last.year + 1)
        ],
    }
