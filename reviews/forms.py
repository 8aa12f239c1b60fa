from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from reviews.models import Movie
from reviews.parsing import is_row_id

# Said for a movie that is not in the list, whether the field or the insert finds out.
UNKNOWN_MOVIE = "That movie is not in the list; choose one of the movies shown."


def refuse_lone_surrogates(text: str) -> None:
    """Half of a UTF-16 pair is not text, and no database can store (or look up) it.

    Only the API's JSON can carry one ("\\ud800"): a form's bytes are checked as UTF-8
    before this (reviewsite/middleware/request_guards.py).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "Invalid character: half of a UTF-16 surrogate pair.", code="surrogate_characters"
        ) from None


class MovieIdField(forms.ModelChoiceField):
    """Offers the movies in a <select>, and cleans the choice to the movie's id.

    A number is only checked for its form here, not looked up: the statement that stores
    the review checks the movie exists (services.scoring.review_create raises UnknownMovie), which
    saves every form submission a query. A title (the API's other way to name a movie)
    is looked up.
    """

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        if self.to_field_name:
            refuse_lone_surrogates(str(value))
            return super().to_python(value).pk
        digits = str(value)
        if is_row_id(digits):  # a larger number than a key holds names no movie
            return int(digits)
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class ReviewForm(forms.Form):
    movie = MovieIdField(
        queryset=Movie.objects.order_by("title"),
        empty_label="Choose a movie…",
        error_messages={
            "required": "Choose a movie.",
            "invalid_choice": UNKNOWN_MOVIE,
        },
    )
    review = forms.CharField(
        label="Your review",
        max_length=settings.REVIEW_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        validators=[refuse_lone_surrogates],
        error_messages={
            "required": "Write a review: it cannot be empty.",
            "max_length": "A review can be at most %(limit_value)s characters "
            "(this one has %(show_value)s).",
        },
    )

    def refuse_unknown_movie(self) -> None:
        """The movie passed the field's check but is not in the database."""
        self.add_error("movie", UNKNOWN_MOVIE)
