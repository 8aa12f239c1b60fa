"""The tutorial's nine movies arrive by data migration."""

from reviews.models import Movie

TUTORIAL_TITLES = {
    "The Good Doctor",
    "Money Heist",
    "Blacklist",
    "The Return of Kibi",
    "The Imitation Game",
    "The Dark Knight",
    "Blindspot",
    "Ozark",
    "Vincenzo",
}


def test_the_tutorials_nine_movies_exist_after_migrating(db):
    assert set(Movie.objects.values_list("title", flat=True)) == TUTORIAL_TITLES
