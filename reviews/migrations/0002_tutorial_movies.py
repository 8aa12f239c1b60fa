"""The nine movies of the original tutorial's form."""

from django.db import migrations

TUTORIAL_MOVIES = [
    "The Good Doctor",
    "Money Heist",
    "Blacklist",
    "The Return of Kibi",
    "The Imitation Game",
    "The Dark Knight",
    "Blindspot",
    "Ozark",
    "Vincenzo",
]


def add_movies(apps, schema_editor):
    Movie = apps.get_model("reviews", "Movie")
    for title in TUTORIAL_MOVIES:
        Movie.objects.get_or_create(title=title)


def remove_movies(apps, schema_editor):
    Movie = apps.get_model("reviews", "Movie")
    Movie.objects.filter(title__in=TUTORIAL_MOVIES, reviews__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(add_movies, remove_movies)]
