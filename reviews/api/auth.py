"""Who may write through the API: an API token, or a signed-in browser session with CSRF.

Reads are public, like the site's pages.
"""

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from reviews.services.tokens import api_token_authenticate

CSRF_FAILED = (
    "CSRF check failed: a signed-in browser must send the csrftoken cookie's value in the "
    "X-CSRFToken header (or use an API token instead)."
)


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, with an active token created in the admin."""

    def authenticate(self, request: HttpRequest, token: str):
        return api_token_authenticate(secret=token)  # request.auth: the ApiToken


class SessionCsrfAuth(SessionAuth):
    """A signed-in browser session; like a form, a write must carry the CSRF token.

    Without a session this answers None, so a client that sent neither way in gets the 401
    naming both, not a CSRF error.
    """

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, CSRF_FAILED)
        return request.user


WRITE_AUTH = [ApiTokenAuth(), SessionCsrfAuth()]
