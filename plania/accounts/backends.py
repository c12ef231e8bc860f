"""Sign-in by e-mail address (what people know), or by username (the admin's accounts
made with `createsuperuser`).

Staff two-factor (django-otp) and lock-out (django-axes) plug in around this backend:
axes' backend goes first in AUTHENTICATION_BACKENDS and sees the same `username`
credential (the typed address); OTP is a second step after this one (docs/accounts.md).
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from plania.accounts.models import User
from plania.accounts.selectors import user_for_login


class EmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        login = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if login is None or password is None:
            return None
        # The address's key (NFKC, casefold: plania.accounts.addresses), never the
        # database's UPPER()/LOWER(), which fold look-alikes such as "ı" into "i".
        user = user_for_login(login)
        if user is None:
            # Run the hasher once anyway: a missing account must not answer faster
            # (same as ModelBackend).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
