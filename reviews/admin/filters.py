"""The review list's filters, each applied by a selector (reviews/selectors/review_filters.py,
reviews/selectors/feedback.py)."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters

from ml.models import ModelVersion
from reviews.models import Sentiment
from reviews.parsing import is_row_id
from reviews.selectors import feedback, review_filters


class SelectorFilter(admin.SimpleListFilter):
    """A list filter applied by one selector; a value it refuses is a bad lookup, not a 500."""

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            return self.select(queryset, self.value())
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error

    def select(self, queryset, value: str):
        raise NotImplementedError


class SentimentFilter(SelectorFilter):
    title = "sentiment"
    parameter_name = "sentiment__exact"  # the parameter of Django's own filter on the field

    def lookups(self, request, model_admin):
        return Sentiment.choices

    def select(self, queryset, value: str):
        return review_filters.reviews_with_sentiment(reviews=queryset, sentiment=value)


class ModelVersionFilter(SelectorFilter):
    title = "model version"
    parameter_name = "model_version__id__exact"  # as Django's own filter on the field

    def lookups(self, request, model_admin):
        return ModelVersion.objects.values_list("pk", "version")

    def select(self, queryset, value: str):
        if not is_row_id(value):
            raise ValueError(f"no model version has the id {value!r}")
        return review_filters.reviews_scored_by(reviews=queryset, model_version_id=int(value))


class ConfidenceBandFilter(SelectorFilter):
    title = "confidence"
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        return review_filters.ConfidenceBand.choices

    def select(self, queryset, value: str):
        return review_filters.reviews_in_confidence_band(reviews=queryset, band=value)


class YesNoFilter(admin.SimpleListFilter):
    """A filter with the two choices "yes" and "no", each applied by a selector."""

    yes_label = "Yes"
    no_label = "No"

    def lookups(self, request, model_admin):
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in ("yes", "no"):
            raise IncorrectLookupParameters(f"{self.parameter_name} is yes or no")
        return self.select(queryset, self.value() == "yes")

    def select(self, queryset, yes: bool):
        raise NotImplementedError


class StaleFilter(YesNoFilter):
    title = "scored by"
    parameter_name = "stale"
    yes_label = "an older model (stale)"
    no_label = "the active model"

    def select(self, queryset, yes: bool):
        return review_filters.reviews_stale(reviews=queryset, stale=yes)


class FlippedFilter(YesNoFilter):
    title = "flipped by the latest re-scoring"
    parameter_name = "flipped"
    yes_label = "Flipped"
    no_label = "Not flipped"

    def select(self, queryset, yes: bool):
        return review_filters.reviews_flipped(reviews=queryset, flipped=yes)


class TrueLabelFilter(YesNoFilter):
    title = "true label"
    parameter_name = "true_label"
    yes_label = "Has a true label"
    no_label = "Has none"

    def select(self, queryset, yes: bool):
        return feedback.reviews_with_true_label(reviews=queryset, labelled=yes)


class TrueLabelDisagreesFilter(YesNoFilter):
    title = "true label vs. prediction"
    parameter_name = "true_label_disagrees"
    yes_label = "Disagree"
    no_label = "Agree"

    def select(self, queryset, yes: bool):
        return feedback.reviews_true_label_disagrees(reviews=queryset, disagrees=yes)


class VisitorsDisagreeFilter(YesNoFilter):
    title = "visitors' votes vs. prediction"
    parameter_name = "visitors_disagree"
    yes_label = "Most votes disagree"
    no_label = "Most votes agree, or a tie"

    def select(self, queryset, yes: bool):
        return feedback.reviews_visitors_disagree(reviews=queryset, disagree=yes)
