"""Pages: parse the request, call one service or selector, render the result."""

import logging

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from ml.classifier import ModelUnavailable
from reviews import selectors, services
from reviews.forms import ReviewForm
from reviews.models import Movie, Review

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
                review = services.review_create(
                    movie_id=form.cleaned_data["movie"], text=form.cleaned_data["review"]
                )
            except services.UnknownMovie:
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
        "latest_reviews": selectors.review_list_latest(limit=10),
    }
    return render(request, "reviews/home.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
def review_detail(request, review_id: int):
    try:
        review = selectors.review_get(review_id=review_id)
    except Review.DoesNotExist:
        raise Http404("No review with that number.") from None
    context = {"review": review, "explained": selectors.review_explained(review=review)}
    return render(request, "reviews/review_detail.html", context)


@require_http_methods(["GET", "HEAD"])
def movie_detail(request, movie_id: int):
    movie = get_object_or_404(Movie, pk=movie_id)
    page = Paginator(selectors.movie_reviews(movie=movie), 20).get_page(request.GET.get("page"))
    context = {"movie": movie, "page": page, "stats": selectors.movie_stats(movie=movie)}
    return render(request, "reviews/movie_detail.html", context)
