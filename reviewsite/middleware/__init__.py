"""The site's own middleware: what Django's settings do not already do.

Listed in settings.MIDDLEWARE in the order they run; each class does one thing:

- headers.HeadWithoutBodyMiddleware: HEAD answers with the GET's headers and no body
  (gunicorn would log a warning for each HEAD body it drops).
- headers.ContentSecurityPolicyMiddleware: the Content-Security-Policy header (Django 5.2 has
  no setting for it); static files get it from whitenoise (WHITENOISE_ADD_HEADERS_FUNCTION).
- request_guards.RequestBodyLimitMiddleware: a body over DATA_UPLOAD_MAX_MEMORY_SIZE gets a
  413 from its Content-Length, before a byte is read, and a chunked body a 411 (Django
  itself would read up to the limit, then answer 400).
- request_guards.StrictFormEncodingMiddleware: form data that is not UTF-8 gets a 400
  (Django would store U+FFFD where the bytes were invalid).
- errors.DatabaseUnavailableMiddleware: an unreachable database answers 503 with a page.
- rate_limits.RateLimitMiddleware: a request over a rate limit (rate_limits.rate_limit on the
  form, the votes, the API's writes and the admin's sign-in) answers 429 with Retry-After.

Everything else (HTTPS redirects, HSTS, nosniff, referrer policy, X-Frame-Options, CSRF)
is Django's own middleware, configured in settings.py.
"""
