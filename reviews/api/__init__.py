"""The JSON API under /api/ (django-ninja): app.py assembles it from the routers in
endpoints.py, with auth.py, errors.py, pagination.py (the opaque cursor), validation.py (the
form's rules) and schemas.py. reviewsite/urls.py mounts urls.py."""
