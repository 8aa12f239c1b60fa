from django import forms
from django.conf import settings

from reviews.models import Movie


class ReviewForm(forms.Form):
    movie = forms.ModelChoiceField(
        queryset=Movie.objects.order_by("title"),
        empty_label="Choose a movie…",
        error_messages={
            "required": "Choose a movie.",
            "invalid_choice": "That movie is not in the list; choose one of the movies shown.",
        },
    )
    review = forms.CharField(
        label="Your review",
        max_length=settings.REVIEW_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Write a review: it cannot be empty.",
            "max_length": "A review can be at most %(limit_value)s characters "
            "(this one has %(show_value)s).",
        },
    )
