"""Pages: parse the request, call one service or selector, render the result."""

import logging

from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ml.classifier import ModelUnavailable, get_active_classifier
from reviews.forms import ReviewForm
from reviews.models import Movie, Review
from reviews.selectors.movies import MovieStats, movie_get_with_stats
from reviews.selectors.reviews import (
    review_explained,
    review_get,
    review_list_latest,
    reviews_of_movie,
)
from reviews.selectors.site import database_check
from reviews.services.scoring import UnknownMovie, review_create

logger = logging.getLogger(__name__)


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a POST, the browser follows with a GET (no resubmission on reload)."""

    status_code = 303


@require_http_methods(["GET", "HEAD", "POST"])
def home(request):
    status = 200
    model_error = ""
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                review = review_create(
                    movie_id=form.cleaned_data["movie"], text=form.cleaned_data["review"]
                )
            except UnknownMovie:
                form.refuse_unknown_movie()
                status = 400
            except ModelUnavailable as error:
                logger.error("review not scored: %s", error)
                model_error = (
                    "The sentiment model is unavailable right now; please try again later."
                )
                status = 503
            else:
                return HttpResponseSeeOther(review.get_absolute_url())
        else:
            status = 400
    else:
        form = ReviewForm()
    context = {
        "form": form,
        "model_error": model_error,
        "latest_reviews": review_list_latest(limit=10),
    }
    return render(request, "reviews/home.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
def review_detail(request, review_id: int):
    try:
        review = review_get(review_id=review_id)
    except Review.DoesNotExist:
        raise Http404("No review with that number.") from None
    context = {"review": review, "explained": review_explained(review=review)}
    return render(request, "reviews/review_detail.html", context)


@require_http_methods(["GET", "HEAD"])
def movie_detail(request, movie_id: int):
    try:
        movie = movie_get_with_stats(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise Http404("No movie with that number.") from None
    page = Paginator(reviews_of_movie(movie=movie), 20).get_page(request.GET.get("page"))
    context = {"movie": movie, "page": page, "stats": MovieStats.of(movie)}
    return render(request, "reviews/movie_detail.html", context)


@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    """200 with the active model version when all is well; 503 naming what fails, never
    why (the reason goes to the log: a driver's message or a file path is not for
    everyone who can reach the site)."""
    try:
        database_check()
    except DatabaseError:
        logger.exception("health check: the database is unavailable")
        return unavailable("database")
    try:
        classifier = get_active_classifier()
    except ModelUnavailable as error:
        logger.error("health check: the model is unavailable: %s", error)
        return unavailable("model")
    return JsonResponse({"status": "ok", "model_version": classifier.version})


def unavailable(*failing: str) -> JsonResponse:
    return JsonResponse({"status": "unavailable", "failing": list(failing)}, status=503)
