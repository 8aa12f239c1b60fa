"""Pages: parse the request, call one service or selector, render the result."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ml.classifier import ModelUnavailable, get_active_classifier
from reviews.forms import ReviewForm
from reviews.freshness import cached
from reviews.models import Movie, Review
from reviews.selectors.movies import MovieStats, movie_get_with_stats
from reviews.selectors.reviews import (
    review_explained,
    review_get,
    review_list_latest,
    reviews_of_movie,
)
from reviews.selectors.site import database_check
from reviews.services.feedback import (
    VISITOR_COOKIE,
    VISITOR_COOKIE_MAX_AGE,
    VISITOR_COOKIE_SALT,
    UnknownLabel,
    feedback_label,
    feedback_vote,
    visitor_id_new,
    visitor_key_for,
)
from reviews.services.scoring import UnknownMovie, review_create
from reviewsite.middleware.rate_limits import FORM, rate_limit

logger = logging.getLogger(__name__)


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a POST, the browser follows with a GET (no resubmission on reload)."""

    status_code = 303


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit(FORM)
def home(request):
    if request.method != "POST":
        return HttpResponse(home_page(request))
    status = 400
    model_error = ""
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            review = review_create(
                movie_id=form.cleaned_data["movie"], text=form.cleaned_data["review"]
            )
        except UnknownMovie:
            form.refuse_unknown_movie()
        except ModelUnavailable as error:
            logger.error("review not scored: %s", error)
            model_error = "The sentiment model is unavailable right now; please try again later."
            status = 503
        else:
            return HttpResponseSeeOther(review.get_absolute_url())
    context = {
        "form": form,
        "model_error": model_error,
        "latest_reviews": review_list_latest(limit=10),
    }
    return render(request, "reviews/home.html", context, status=status)


# Stands for the visitor's CSRF token in the cached home page; never in a page sent.
FORM_TOKEN_PLACEHOLDER = "form-token-placeholder-5f0c7d1e"


def home_page(request) -> str:
    """The home page with an empty form: built once per content version with a placeholder
    for the form's CSRF token, which each visitor's own token (get_token, as the
    {% csrf_token %} tag takes it) replaces. Rendering the form and the latest reviews for
    every visitor cost four times the tutorial's whole form page (bench/pages.py)."""

    def build() -> str:
        context = {
            "form": ReviewForm(),
            "latest_reviews": review_list_latest(limit=10),
            "csrf_token": FORM_TOKEN_PLACEHOLDER,
        }
        return render_to_string("reviews/home.html", context)

    # The form comes before any review text, so the first placeholder is the form's.
    return cached("home-page", build).replace(FORM_TOKEN_PLACEHOLDER, get_token(request), 1)


# Stand for the visitor's own CSRF token and thank-you in the cached review page. They come
# after the review's text and words, so the last of each is the page's own.
FEEDBACK_TOKEN_PLACEHOLDER = "feedback-token-placeholder-3a9d62b0"
FEEDBACK_THANKS_PLACEHOLDER = "feedback-thanks-placeholder-c41e07f5"
THANK_YOU = "Thank you: your vote is counted. Vote again to change it."


@require_http_methods(["GET", "HEAD"])
def review_detail(request, review_id: int):
    def build() -> bytes:
        try:
            review = review_get(review_id=review_id)
        except Review.DoesNotExist:
            raise Http404("No review with that number.") from None
        context = {
            "review": review,
            "explained": review_explained(review=review),
            "csrf_token": FEEDBACK_TOKEN_PLACEHOLDER,
            "feedback_thanks": FEEDBACK_THANKS_PLACEHOLDER,
        }
        return render(request, "reviews/review_detail.html", context).content

    # The same for every visitor (built once per content version, its explanation once),
    # but for the vote form's CSRF token and the visitor's own thank-you.
    return HttpResponse(for_visitor(request, cached(f"review-page:{review_id}", build)))


def for_visitor(request, page: bytes) -> bytes:
    """The cached review page with this visitor's CSRF token and messages in it."""
    thanks = format_html_join(
        "", '<p class="notice" role="status">{}</p>', ((m,) for m in messages.get_messages(request))
    )
    page = replace_last(page, FEEDBACK_THANKS_PLACEHOLDER, thanks)
    return replace_last(page, FEEDBACK_TOKEN_PLACEHOLDER, get_token(request))


def replace_last(page: bytes, placeholder: str, value: str) -> bytes:
    head, found, tail = page.rpartition(placeholder.encode())
    return head + value.encode() + tail if found else page


@require_http_methods(["POST"])
@rate_limit(FORM)
def review_feedback(request, review_id: int):
    """A visitor's vote on the review's sentiment: 303 back to the review, with thanks."""
    try:
        label = feedback_label(request.POST.get("label"))
    except UnknownLabel as error:
        context = {"title": "Vote not counted", "message": str(error)}
        return render(request, "error.html", context, status=400)
    anonymous = not request.user.is_authenticated
    visitor_id = None
    if anonymous:
        visitor_id = (
            request.get_signed_cookie(VISITOR_COOKIE, default=None, salt=VISITOR_COOKIE_SALT)
            or visitor_id_new()
        )
    visitor_key = visitor_key_for(user=request.user, visitor_id=visitor_id)
    try:
        feedback_vote(review_id=review_id, label=label, visitor_key=visitor_key, user=request.user)
    except Review.DoesNotExist:
        raise Http404("No review with that number.") from None
    messages.success(request, THANK_YOU)
    url = reverse("reviews:review_detail", args=[review_id])
    response = HttpResponseSeeOther(f"{url}#feedback")
    if anonymous:
        # Only once the vote is stored, so a refused vote leaves nothing behind; again on
        # each vote, so a visitor who keeps voting keeps their id.
        response.set_signed_cookie(
            VISITOR_COOKIE,
            visitor_id,
            salt=VISITOR_COOKIE_SALT,
            max_age=VISITOR_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


@require_http_methods(["GET", "HEAD"])
def movie_detail(request, movie_id: int):
    # Paginator.get_page reads any value (not a number: the first page; past the end: the
    # last); a long one is not worth a cached copy of its own.
    number = request.GET.get("page", "1")[:20]

    def build() -> bytes:
        try:
            movie = movie_get_with_stats(movie_id=movie_id)
        except Movie.DoesNotExist:
            raise Http404("No movie with that number.") from None
        page = Paginator(reviews_of_movie(movie=movie), 20).get_page(number)
        context = {"movie": movie, "page": page, "stats": MovieStats.of(movie)}
        return render(request, "reviews/movie_detail.html", context).content

    # The page is the same for every visitor (no form on it): built once per content version.
    return HttpResponse(cached(f"movie-page:{movie_id}:{number}", build))


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
