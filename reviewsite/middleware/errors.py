"""Refusals as the caller reads them, and the database-unavailable page."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render

logger = logging.getLogger("reviewsite")


def refuse(request, status: int, title: str, message: str):
    """The error as the caller reads it: JSON for the API, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "error.html", {"title": title, "message": message}, status=status)


class DatabaseUnavailableMiddleware:
    """Answers 503 with a readable page when the database cannot be reached.

    Django drops a connection that failed at the end of the request, so the next request
    connects afresh: the site recovers by itself when the database returns, and the
    worker never crashes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        return refuse(
            request,
            503,
            "Temporarily unavailable",
            "The site cannot reach its database right now. Nothing was saved; please try "
            "again in a minute.",
        )
