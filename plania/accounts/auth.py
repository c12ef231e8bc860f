"""API authentication for every router: personal tokens first, then the browser session.

    from plania.accounts.auth import api_auth
    router = Router(auth=api_auth)

`request.auth` (and `request.user`) is then the User. Session auth keeps django-ninja's
CSRF check on unsafe methods; a Bearer token needs none (browsers never send it on their
own). A request presenting a Bearer token that is wrong, revoked or expired gets 401 at
once, without falling back to the session. A "read" token is refused with 403 on every
method that writes (POST, PUT, PATCH, DELETE), before the operation runs.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, django_auth

from plania.accounts.models import User
from plania.accounts.selectors import api_token_for_plaintext
from plania.accounts.services import api_token_touch

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = api_token_for_plaintext(plaintext=token.strip())
        if api_token is None:
            raise AuthenticationError
        if request.method not in SAFE_METHODS and not api_token.writes:
            raise HttpError(
                403,
                _(
                    "Ce jeton est en lecture seule : il ne peut pas modifier de données. "
                    "Créez un jeton « lecture et écriture » sur la page de vos jetons."
                ),
            )
        api_token_touch(token=api_token)
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


api_auth: list[Any] = [ApiTokenAuth(), django_auth]
