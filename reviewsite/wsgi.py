"""WSGI entry point: `gunicorn reviewsite.wsgi` (see reviewsite/gunicorn_conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewsite.settings")

application = get_wsgi_application()
