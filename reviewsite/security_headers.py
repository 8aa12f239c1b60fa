"""The Content-Security-Policy and framing headers, for pages and for static files alike.

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
