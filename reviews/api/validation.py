"""API input checked by the site form's own rules, so the API and the page give the same
messages and can never drift apart."""

from django.core.exceptions import ValidationError

from reviews.api.errors import InvalidInput
from reviews.api.schemas import ReviewIn
from reviews.forms import ReviewForm

# The form calls the review "review"; the API calls it "text".
FORM_TO_API_FIELD = {"review": "text", "__all__": "body"}


def review_form_cleaned(payload: ReviewIn) -> dict:
    """Check {movie, text} with ReviewForm itself; a string names the movie by its exact
    title, a number by its id. Raises InvalidInput with the form's messages."""
    movie = "" if payload.movie is None else payload.movie
    form = ReviewForm(data={"movie": movie, "review": payload.text or ""})
    if isinstance(payload.movie, str):
        form.fields["movie"].to_field_name = "title"  # this form's copy of the field only
    if not form.is_valid():
        raise InvalidInput(
            {
                FORM_TO_API_FIELD.get(field, field): list(messages)
                for field, messages in form.errors.items()
            }
        )
    return form.cleaned_data


def texts_cleaned(texts: list[str]) -> list[str]:
    """Each text checked (and trimmed) by the form's review field, as a review would be."""
    field = ReviewForm.base_fields["review"]
    cleaned, errors = [], {}
    for index, text in enumerate(texts):
        try:
            cleaned.append(field.clean(text))
        except ValidationError as error:
            errors[f"texts.{index}"] = error.messages
    if errors:
        raise InvalidInput(errors)
    return cleaned
