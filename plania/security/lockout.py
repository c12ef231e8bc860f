"""Login lock-out (django-axes; OWASP ASVS 2.2.1): what axes is told and what people read.

Settings (settings.py, Security block): after `AXES_FAILURE_LIMIT` failed logins
(PLANIA_LOGIN_FAILURE_LIMIT, 5) for one address from one IP address, logins are refused
for `AXES_COOLOFF_TIME` (PLANIA_LOGIN_COOLOFF_MINUTES, 15); each failure during the
lock-out starts the wait again. A successful login clears the count.

The count is keyed on the account (issue 13 item 7): "account:<id>" when the typed login
names one (plania.accounts.selectors.user_for_login, the function authentication uses),
else "address:<key>" (plania.accounts.addresses.email_key). A look-alike address either
names the same account, and shares its count, or names none, and cannot log in.
"""

from datetime import timedelta
from math import ceil
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from plania.accounts.addresses import email_key
from plania.accounts.selectors import user_for_login


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long logins stay locked (settings.PLANIA_LOGIN_COOLOFF_MINUTES)."""
    return timedelta(minutes=settings.PLANIA_LOGIN_COOLOFF_MINUTES)


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The key axes counts failures under: the account the login names, else the typed
    address's key.

    The login form sends the typed address (any case, any look-alike); an admin account
    may be typed by username, and axes' successful-login handler only knows the username:
    all name the account, so that they count (and are cleared) together."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username") if request is not None else None
    if raw is None:
        return None
    login = str(raw)
    user = user_for_login(login)
    if user is not None:
        return f"account:{user.pk}"
    return f"address:{email_key(login)}"


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page shown instead of the login form while logins are locked (429)."""
    cool_off: timedelta | None = get_cool_off(request)
    attempt_time = getattr(request, "axes_attempt_time", None) or timezone.now()
    context: dict[str, Any] = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "retry_at": timezone.localtime(attempt_time + cool_off) if cool_off else None,
        "minutes": ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "web/security/lockout.html", context, status=429)
