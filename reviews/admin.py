from django.contrib import admin

from reviews.models import Movie, Prediction, Review


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["title"]
    search_fields = ["title"]


class PredictionInline(admin.TabularInline):
    model = Prediction
    fields = ["created_at", "model_version", "sentiment", "probability_positive"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "movie",
        "sentiment",
        "probability_positive",
        "model_version",
        "created_at",
    ]
    list_filter = ["sentiment", "model_version"]
    list_select_related = ["movie", "model_version"]
    search_fields = ["text", "movie__title"]
    readonly_fields = [
        "sentiment",
        "probability_positive",
        "model_version",
        "previous_sentiment",
        "scored_at",
    ]
    inlines = [PredictionInline]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "review",
        "model_version",
        "sentiment",
        "probability_positive",
        "created_at",
    ]
    list_filter = ["model_version", "sentiment"]
    list_select_related = ["review", "model_version"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


from reviews import admin_tokens  # noqa: E402, F401
