"""The model registry (ml's ModelVersion) in the admin: read-only, except "Activate", which
goes through reviews.services.activation like `manage.py activate_model`.

It lives here, not in ml, because it counts each version's predictions and shows its live
accuracy on the site's true labels: reviews depends on ml, never the other way round."""

import json

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils.html import format_html

from ml.classifier import ModelUnavailable, get_active_classifier, get_classifier
from ml.models import ModelVersion
from reviews.admin.mixins import CheckedSelectionAdminMixin, ReadOnlyAdminMixin
from reviews.models import Prediction
from reviews.selectors.accuracy import Share, live_accuracy
from reviews.selectors.comparison import SIGNIFICANCE, models_compare_cached
from reviews.services.activation import CandidateWorse, model_activate_judged

# metrics["held_out"] and metrics["held_out_<source>"] are evaluations (ml.pipeline.evaluate).
EVALUATION_PREFIX = "held_out"


def evaluations(metrics: dict) -> list[dict]:
    """The metrics' evaluations as table rows; missing values stay None."""
    rows = []
    for name, result in metrics.items():
        if not (name.startswith(EVALUATION_PREFIX) and isinstance(result, dict)):
            continue
        source = name.removeprefix(EVALUATION_PREFIX).lstrip("_")
        f1 = result.get("f1") or {}
        matrix = result.get("confusion_matrix")
        rows.append(
            {
                "name": f"held-out: {source}" if source else "held-out: all",
                "n": result.get("n"),
                "accuracy": result.get("accuracy"),
                "f1_negative": f1.get("negative"),
                "f1_positive": f1.get("positive"),
                "brier": result.get("brier"),
                # Rows are the true labels, columns the predicted ones: [negative, positive].
                "confusion": matrix if matrix and len(matrix) == 2 else None,
            }
        )
    return rows


def share_text(share: Share) -> str:
    return "–" if share.value is None else f"{share.value:.1%}"


def interval_text(share: Share) -> str:
    if share.interval is None:
        return "–"
    low, high = share.interval
    return f"{low * 100:.1f}–{high:.1%}"


@admin.register(ModelVersion)
class ModelVersionAdmin(CheckedSelectionAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["version", "created_at", "is_active", "accuracy", "reviews_scored"]
    list_filter = ["is_active"]
    show_full_result_count = False
    actions = ["activate"]
    fields = [
        "version",
        "created_at",
        "is_active",
        "metrics_table",
        "live_accuracy",
        "comparison",
        "reviews_scored",
        "reviews_current",
        "storage_key",
        "sha256",
        "training_data_summary",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # A subquery, not a join: counting the versions then reads no predictions.
        scored = (
            Prediction.objects.filter(model_version=OuterRef("pk"))
            .order_by()
            .values("model_version")
            .annotate(count=Count("*"))  # COUNT(*) can be answered from the index alone
            .values("count")
        )
        return super().get_queryset(request).annotate(reviews_scored=Coalesce(Subquery(scored), 0))

    def has_activate_permission(self, request) -> bool:
        return request.user.has_perm("ml.change_modelversion")

    @admin.display(description="Held-out accuracy")
    def accuracy(self, model_version: ModelVersion) -> str:
        value = (model_version.metrics.get(EVALUATION_PREFIX) or {}).get("accuracy")
        return "–" if value is None else f"{value:.1%}"

    @admin.display(description="Reviews scored", ordering="reviews_scored")
    def reviews_scored(self, model_version: ModelVersion) -> int:
        return model_version.reviews_scored

    @admin.display(description="Reviews it is the current prediction of")
    def reviews_current(self, model_version: ModelVersion) -> int:
        return model_version.reviews.count()

    @admin.display(description="Metrics")
    def metrics_table(self, model_version: ModelVersion) -> str:
        return render_to_string(
            "admin/ml/modelversion/metrics.html",
            {
                "evaluations": evaluations(model_version.metrics),
                "training_seconds": model_version.metrics.get("training_seconds"),
            },
        )

    @admin.display(description="Live accuracy")
    def live_accuracy(self, model_version: ModelVersion) -> str:
        record = live_accuracy(model_version=model_version)
        return render_to_string(
            "admin/ml/modelversion/live_accuracy.html",
            {
                "accuracy": record.accuracy,
                "accuracy_text": share_text(record.accuracy),
                "accuracy_interval": interval_text(record.accuracy),
                "confusion": record.confusion,
                "agreement": record.visitor_agreement,
                "agreement_text": share_text(record.visitor_agreement),
                "agreement_interval": interval_text(record.visitor_agreement),
            },
        )

    @admin.display(description="Against the active model")
    def comparison(self, model_version: ModelVersion) -> str:
        if model_version.is_active:
            return "This is the active model."
        try:
            active = get_active_classifier()
        except ModelUnavailable as error:
            return f"Nothing to compare with: {error}."
        try:
            candidate = get_classifier(model_version.version)
        except ModelUnavailable as error:
            return f"Cannot be compared: {error}."
        result = models_compare_cached(candidate=candidate, baseline=active)
        return render_to_string(
            "admin/ml/modelversion/comparison.html",
            {"result": result, "report": result.as_dict(), "significance": SIGNIFICANCE},
        )

    @admin.display(description="Training data")
    def training_data_summary(self, model_version: ModelVersion) -> str:
        return format_html("<pre>{}</pre>", json.dumps(model_version.training_data, indent=2))

    @admin.action(description="Activate the selected version", permissions=["activate"])
    def activate(self, request, queryset):
        versions = list(queryset.values_list("version", flat=True)[:2])
        if len(versions) != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        try:
            model_version = model_activate_judged(version=versions[0])
        except (CandidateWorse, ModelUnavailable) as error:
            self.message_user(request, f"Not activated: {error}", messages.ERROR)
            return
        self.message_user(
            request,
            f"Model {model_version.version} is now active; running workers switch to it "
            f"within {settings.MODEL_REFRESH_SECONDS:g} s. Stored reviews keep their "
            "predictions until re-scored (the reviews' “Re-score with the active model” "
            "action, or `manage.py rescore_reviews`).",
            messages.SUCCESS,
        )
