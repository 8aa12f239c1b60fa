"""gunicorn settings for `make run` and deployments (override any of them with env vars).

The app is preloaded in the master, and the active model loaded there before workers fork,
so every worker shares the model's memory pages instead of loading its own copy.

Workers are gevent's (GUNICORN_WORKER_CLASS=sync for gunicorn's default): each reads its
many connections cooperatively, so clients that trickle their headers or body hold no
worker, where a sync worker is held by each for up to the timeout (bench/slow_clients.py).
"""

import os

# Chosen here, not with `-k` in GUNICORN_CMD_ARGS: the patching below depends on it.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
if "gevent" in worker_class.lower():  # "gevent", "gevent_pywsgi", or a class path
    # Before anything else is imported: the app is preloaded in this process, and Django's
    # connections must be greenlet-local from the start (else a worker refuses to use the
    # master's "DatabaseWrapper objects created in a thread", on every request).
    from gevent import monkey

    monkey.patch_all()

import gc  # noqa: E402
import logging  # noqa: E402

# One BLAS/OpenMP thread per worker: the workers already use every core.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
# Connections each gevent worker holds at once (slow ones included), gunicorn's default.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
# An idle kept-alive connection is closed after this long (gunicorn's default is 2 s, meant
# for a proxy in front); a greenlet and its database connection live as long as it does,
# so a browser's next request skips both the new connection and the database's.
keepalive = 5
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500
# The heartbeat file on a RAM disk: a slow /tmp can stall workers (gunicorn docs, FAQ).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
# gunicorn's own lines as JSON too, like the site's (reviewsite/serving/gunicorn_logger.py).
logger_class = "reviewsite.serving.gunicorn_logger.JsonLogger"


def when_ready(server):
    """Load the URLconf and the active model in the master, so that every worker, and
    every worker that replaces a recycled one, starts with them; then stop the garbage
    collector from dirtying their pages."""
    from django.db import connections
    from django.urls import reverse

    from ml.classifier import ModelUnavailable, get_active_classifier

    # The first reverse() imports the URLconf, so every view, and builds the API's schemas
    # and the URL lookups: about 0.2 s of CPU each new worker would spend on its first request.
    # Nothing there touches the database; a broken URLconf stops the master here, at start.
    reverse("reviews:home")
    try:
        classifier = get_active_classifier()
        server.log.info("model %s loaded before forking workers", classifier.version)
    except ModelUnavailable as error:
        server.log.warning("no model preloaded: %s", error)
    except Exception:  # the database may be down at start; workers retry per request
        logging.getLogger(__name__).exception("model preload failed")
    # Workers must not share the master's database connections.
    connections.close_all()
    gc.freeze()
