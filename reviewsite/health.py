"""GET /healthz: is the database answering, and can the active model serve?"""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ml.classifier import ModelUnavailable, get_active_classifier


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    """200 with the active model version when all is well; 503 naming what is not."""
    try:
        check_database()
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "database": str(error)}, status=503)
    try:
        classifier = get_active_classifier()
    except ModelUnavailable as error:
        return JsonResponse(
            {"status": "unavailable", "database": "ok", "model": str(error)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "model_version": classifier.version})
