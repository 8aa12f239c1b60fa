# The Celery app is loaded with Django, so tasks are queued through it (Celery's docs,
# "First steps with Django").
from reviewsite.celery import app as celery_app

__all__ = ["celery_app"]
