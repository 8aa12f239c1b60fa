from django.apps import AppConfig


class MlConfig(AppConfig):
    name = "ml"
    label = "ml"
    verbose_name = "Sentiment models"
    default_auto_field = "django.db.models.BigAutoField"
