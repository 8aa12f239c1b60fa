"""The Celery application: configured from Django's settings (the CELERY_ names), tasks
found in each app's tasks.py. `make worker` starts a worker on it."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewsite.settings")

app = Celery("reviewsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The server-less default broker (settings.celery_broker_from_environment) keeps its
# messages in folders, which must exist before a worker or a web process opens them.
for option in ("data_folder_in", "control_folder"):
    folder = app.conf.broker_transport_options.get(option)
    if folder and app.conf.broker_url == "filesystem://":
        os.makedirs(folder, exist_ok=True)
