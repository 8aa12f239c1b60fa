"""Writes made through the ORM one object at a time (the admin, a shell) that change what
pages show raise the content's generation (reviews/freshness.py). Storing a review needs
none: it raises the largest review id. The services' bulk writes raise it themselves."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from reviews.freshness import content_changed
from reviews.models import Movie, Review


@receiver(post_save, sender=Movie)
@receiver(post_delete, sender=Movie)
@receiver(post_delete, sender=Review)
def movie_or_review_changed(sender, **kwargs) -> None:
    content_changed()


@receiver(post_save, sender=Review)
def review_saved(sender, created: bool, **kwargs) -> None:
    if not created:
        content_changed()
