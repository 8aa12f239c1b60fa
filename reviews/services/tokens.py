"""API tokens: issue one (its secret is shown once) and recognise it on a request.

Only a token's sha256 is stored. The secret has 256 random bits, so a plain, unsalted hash
is enough: nobody can guess it from the hash, and a lookup by hash uses the unique index.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from reviews.models import ApiToken

# A recognisable prefix lets secret scanners (and people) tell what a leaked string is.
TOKEN_PREFIX = "mrs_"
# last_used_at is a hint for staff, not an audit log: writing it on every request would
# make every API call a database write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_generate_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def api_token_create(*, name: str, user: AbstractBaseUser) -> tuple[ApiToken, str]:
    """Store a new token for `user`; returns it with its secret, which is never stored."""
    token = ApiToken(name=name, user=user)
    return token, api_token_issue(token)


def api_token_issue(token: ApiToken) -> str:
    """Give the unsaved `token` a new secret and store it; returns the secret."""
    secret = api_token_generate_secret()
    token.token_hash = api_token_hash(secret)
    with transaction.atomic():
        token.save(force_insert=True)
    return secret


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The active token of an active user with this secret, or None; notes when it was used."""
    # Runs on every write: one indexed lookup, without ordering or loading the user.
    found = list(
        ApiToken.objects.filter(
            token_hash=api_token_hash(secret), is_active=True, user__is_active=True
        )
        .order_by()
        .only("pk", "user_id", "last_used_at")[:1]
    )
    if not found:
        return None
    token = found[0]
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
