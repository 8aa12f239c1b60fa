from pathlib import Path

from django.conf import settings

# The project's top level: where manage.py is, and where commands under test run.
PROJECT = Path(__file__).resolve().parent.parent


def model_environment() -> dict[str, str]:
    """The variables a command or server that a test runs needs to use the test's models
    storage and cache (conftest.py's isolated_settings: a FileSystemStorage in MODEL_DIR)."""
    return {
        "MODEL_DIR": str(settings.MODEL_DIR),
        "MODEL_STORAGE_BACKEND": "",
        "MODEL_STORAGE_OPTIONS": "",
        "MODEL_CACHE_DIR": str(settings.MODEL_CACHE_DIR),
    }
