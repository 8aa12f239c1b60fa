"""Settings for the movie-review sentiment site.

Everything that differs between a laptop and a deployment comes from the environment
(see README.md, "Configuration"); the defaults are safe for a single machine.
"""

import json
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from reviewsite.middleware.headers import static_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def read_secret_key() -> str:
    """The key comes from DJANGO_SECRET_KEY or the file `make run` generates in var/.

    There is deliberately no fallback: a key committed to the repository would let anyone
    forge sessions and password-reset links.
    """
    key = os.environ.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    raise ImproperlyConfigured(
        f"No secret key: set DJANGO_SECRET_KEY, or run `make secret-key` to create {key_file}."
    )


SECRET_KEY = read_secret_key()
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# HTTPS deployments (DJANGO_HTTPS=1): redirect to HTTPS, cookies only over TLS, HSTS.
# Behind a TLS-terminating proxy, DJANGO_SECURE_PROXY_SSL_HEADER=1 trusts its
# X-Forwarded-Proto header (only set it when the proxy always sets or strips that header).
HTTPS = env_bool("DJANGO_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "3600" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a proxy, the client's address for the rate limits comes from this header only
# (e.g. X-Forwarded-For: its last address, the one the proxy appended); unset, REMOTE_ADDR.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip() or None
if CLIENT_IP_HEADER and CLIENT_IP_HEADER.upper().startswith("HTTP_"):
    raise ImproperlyConfigured(
        "DJANGO_CLIENT_IP_HEADER names the header as the proxy sends it, e.g. X-Forwarded-For"
    )
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Serves the API docs page (Swagger UI) from its own static files, not a CDN.
    "ninja",
    # Only its system checks: the rate limits call its get_usage (reviewsite/middleware).
    "django_ratelimit",
    "ml",
    "reviews",
]

# The site's own middleware is described in one place: reviewsite/middleware/__init__.py.
MIDDLEWARE = [
    "reviewsite.middleware.headers.HeadWithoutBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything else that can answer early (the body and encoding guards, CSRF),
    # so every response carries both headers; static files get them from whitenoise
    # (WHITENOISE_ADD_HEADERS_FUNCTION).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reviewsite.middleware.headers.ContentSecurityPolicyMiddleware",
    "reviewsite.middleware.request_guards.RequestBodyLimitMiddleware",
    "reviewsite.middleware.request_guards.StrictFormEncodingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "reviewsite.middleware.errors.DatabaseUnavailableMiddleware",
    "reviewsite.middleware.rate_limits.RateLimitMiddleware",
]

ROOT_URLCONF = "reviewsite.urls"
WSGI_APPLICATION = "reviewsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# SQLite serves concurrent gunicorn workers only with these options: WAL lets readers run
# beside the writer, and IMMEDIATE takes the write lock when a transaction starts, so a
# waiting writer honours the busy timeout instead of failing at once with "database is
# locked" (Django docs, ref/databases, "Database is locked errors").
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


# psycopg's own default: a statement run this often on a connection is prepared (Django's
# client-side cursors never are; only a statement run with prepare=True).
PSYCOPG_PREPARE_THRESHOLD = 5


def database_from_environment() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Persistent connections without a per-request health check: the check is one more
        # round trip on every request (a fifth of a form submission's time on PostgreSQL).
        # A connection broken by a database restart fails one request with a 503 page and
        # is then replaced (Django drops connections that errored at the end of a request).
        database = dj_database_url.parse(url, conn_max_age=60)
    else:
        database = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
        }
    if database["ENGINE"] == "django.db.backends.postgresql":
        # psycopg prepares the form's insert (reviews/persistence/review_insert.py) unless
        # this is None: behind a pooler that cannot keep prepared statements (PgBouncer in
        # transaction mode before 1.21, or 1.21 to 1.23 without max_prepared_statements).
        prepared = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
        database["OPTIONS"] = {
            "prepare_threshold": PSYCOPG_PREPARE_THRESHOLD if prepared else None,
            **database.get("OPTIONS", {}),
        }
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {**SQLITE_OPTIONS, **database.get("OPTIONS", {})}
        # A persistent SQLite connection is cheap and keeps the PRAGMAs applied once.
        database["CONN_MAX_AGE"] = None
    return database


DATABASES = {"default": database_from_environment()}


def cache_from_environment() -> dict:
    """Cached pages and answers (reviews/freshness.py): in each process's memory, or in the
    Redis that REDIS_URL (or CACHE_URL) names, shared by every worker and host. Either way
    a page is never stale: its key holds the version of the content it was built from."""
    url = (os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL") or "").strip()
    if not url:
        # About 6 kB a page: at most some 12 MB per process.
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            "REDIS_URL / CACHE_URL must be a redis://, rediss:// or unix:// URL"
        )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "reviews"),
    }


RATE_FORMAT = re.compile(r"[1-9][0-9]*/[smh]")


def rate_limit_from_environment(name: str, default: str) -> str | None:
    """A limit in the form N/s, N/m or N/h, or None for "off"."""
    value = os.environ.get(name, default).strip().lower()
    if value == "off":
        return None
    if not RATE_FORMAT.fullmatch(value):
        raise ImproperlyConfigured(f"{name} must be N/s, N/m, N/h or off, not {value!r}")
    return value


def rate_limit_cache() -> dict:
    """Where the rate limits are counted: the Redis of REDIS_URL / CACHE_URL, shared by every
    host, else a file cache in var/ that every worker of this host shares (no server)."""
    shared = cache_from_environment()
    if shared["BACKEND"].endswith("RedisCache"):
        return {**shared, "KEY_PREFIX": shared["KEY_PREFIX"] + "-ratelimit"}
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "ratelimit"),
        # Longer than the longest period (an hour): the cache's incr rewrites a count with
        # this timeout, and a shorter one would end a lock-out early. A key names its
        # window, so an old count is never read again.
        "TIMEOUT": 3700,
        # One file per client and window: past MAX_ENTRIES, a third of them are dropped at
        # random (live counts too), so a site with many clients counts in Redis.
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }


CACHES = {"default": cache_from_environment(), "ratelimit": rate_limit_cache()}
# Defaults that a person writing reviews or voting never meets but a script does: the form
# and votes together per client address, the API's writes and predict per token (or
# signed-in user), and admin sign-in attempts per address before a lock-out for the period.
RATE_LIMIT_FORM = rate_limit_from_environment("RATE_LIMIT_FORM", "30/m")
RATE_LIMIT_API = rate_limit_from_environment("RATE_LIMIT_API", "300/m")
RATE_LIMIT_LOGIN = rate_limit_from_environment("RATE_LIMIT_LOGIN", "10/h")
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = "reviewsite.middleware.rate_limits.client_address"
# A cache outage lets requests through rather than refusing every one of them.
RATELIMIT_FAIL_OPEN = True
# django-ratelimit 4.1 lists django-redis's backend, not Django's own RedisCache (whose
# incr is Redis's atomic INCR), so it warns about either of ours.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["ratelimit"]["BACKEND"].endswith("FileBasedCache"):
    # It asks for an atomic increment; the file cache's is a read and a write, which can
    # count two requests of the same instant once. Kept as the default because it needs no
    # server and every worker shares it; Redis counts exactly.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The site (admin included) is in English only: without the translation machinery every
# gettext and date or number format is a plain lookup, and pages render with less CPU
# (bench/README.md, load.py).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers

# The trained models' storage, one folder per version (ml/artifact_store.py): by default this
# folder on this machine.
MODEL_DIR = Path(os.environ.get("MODEL_DIR", VAR_DIR / "models"))
FILE_SYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"


def model_storage_from_environment() -> dict:
    """STORAGES["models"]: MODEL_STORAGE_BACKEND (a storage class's dotted path, e.g.
    django-storages' `storages.backends.s3.S3Storage`, shared by every host) with
    MODEL_STORAGE_OPTIONS (a JSON object of its options), or by default a FileSystemStorage
    in MODEL_DIR."""
    backend = os.environ.get("MODEL_STORAGE_BACKEND", "").strip() or FILE_SYSTEM_STORAGE
    try:
        options = json.loads(os.environ.get("MODEL_STORAGE_OPTIONS", "").strip() or "{}")
    except ValueError as error:
        raise ImproperlyConfigured(f"MODEL_STORAGE_OPTIONS is not JSON: {error}") from None
    if not isinstance(options, dict):
        raise ImproperlyConfigured("MODEL_STORAGE_OPTIONS must be a JSON object")
    if backend == FILE_SYSTEM_STORAGE:
        options.setdefault("location", str(MODEL_DIR))
    return {"BACKEND": backend, "OPTIONS": options}


STORAGES = {
    "default": {"BACKEND": FILE_SYSTEM_STORAGE},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "models": model_storage_from_environment(),
}
# Each host's verified copies of the models it loads, one folder per sha256: filled from the
# storage, so the host needs no other access to it.
MODEL_CACHE_DIR = Path(os.environ.get("MODEL_CACHE_DIR", VAR_DIR / "model-cache"))
# How often a running worker asks the database which model is active (seconds).
MODEL_REFRESH_SECONDS = float(os.environ.get("MODEL_REFRESH_SECONDS", "5"))


def celery_broker_from_environment() -> tuple[str, dict]:
    """Background jobs' broker: CELERY_BROKER_URL (redis:// or amqp://, for several hosts), or
    by default kombu's file-system transport in VAR_DIR/broker, which needs no server. Every
    job's progress lives in the database, so no result backend is configured."""
    url = os.environ.get("CELERY_BROKER_URL", "").strip()
    if url:
        # Redis hands a task whose worker died to another after this many seconds (its
        # default is an hour); a chunk takes seconds (reviews/services/jobs.py).
        return url, {"visibility_timeout": 300} if url.startswith("redis") else {}
    queue, control = VAR_DIR / "broker" / "queue", VAR_DIR / "broker" / "control"
    # One folder for both directions, or messages are never read (kombu's docs).
    return "filesystem://", {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
        "polling_interval": 0.1,
    }


CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = celery_broker_from_environment()
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task's message is acknowledged when the task ends, not when it starts, and handed to
# another worker when its worker dies; each worker takes one message at a time. The chunks
# are idempotent, and their attempts are counted in the database (poison messages).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "reviews")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Reviews per chunk task: a few seconds of work, far below any broker's redelivery timeout.
JOB_CHUNK_SIZE = int(os.environ.get("JOB_CHUNK_SIZE", "10000"))
# A chunk's batches raise its heartbeat every second or so: a chunk silent this long lost its
# worker, and the workers queue it again (brokers that do not redeliver it themselves).
JOB_STALE_SECONDS = float(os.environ.get("JOB_STALE_SECONDS", "60"))


# Bodies larger than this are refused before they are read (a review is at most 10,000
# characters; 1 MB leaves room for form encoding without letting anyone fill memory).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REVIEW_MAX_LENGTH = 10_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "reviewsite.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
