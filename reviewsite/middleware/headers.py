"""Response headers: the Content-Security-Policy, and HEAD without a body.

No Django imports: settings.py hands `static_file_headers` to whitenoise.
"""

# Only the site's own files: no inline script, no CDN, no framing by other sites.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def static_file_headers(headers, path: str, url: str) -> None:
    """whitenoise answers static files before the middleware that sets these on pages runs."""
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header to every response (Django 5.2 has none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class HeadWithoutBodyMiddleware:
    """Answers HEAD with the GET's headers, Content-Length included, and no body.

    Django renders the body anyway; gunicorn drops it, as HTTP says, but logs a warning for
    each such response: a load balancer probing with HEAD would fill the log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            response.headers.setdefault("Content-Length", str(len(response.content)))
            response.content = b""
        return response
