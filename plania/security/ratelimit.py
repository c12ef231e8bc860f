"""Rate limits (issue 13 item 8): at most COUNT requests per PERIOD for one key, then 429
with Retry-After and a page (or, under /api/, the API's JSON error) in the person's language.

    PLANIA_RATES = {"login_ip": "30/5m", "reset_address": "3/h", ...}   # settings.py

| limit | counted per | where |
|---|---|---|
| login_ip | client IP address | POST on the login page |
| signup_ip | client IP address | POST on the sign-up page |
| reset_address, reset_ip | typed address (its key), IP address | POST on "mot de passe oublié" |
| messages | person | a message posted on a dossier's thread, page or API |
| api | token, else person, else IP address | every API operation (django-ninja throttle) |
| precheck_ip | client IP address | the public eligibility pre-check |

Counters live in PostgreSQL (plania.security.models.RateCounter), so that every gunicorn
process and every machine shares them, with nothing more to run: each request is one
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement, atomic under concurrency.
Neither django-ratelimit nor django-ninja's throttles are used for the counting: both
count through Django's cache, whose only shared backend here would be the database cache,
where `incr` is a read then a write (concurrent requests lose counts); django-ninja's
throttle hook is used for the API, over this counter. Who is counted is stored as a digest
(an address is personal data). The client's address is django-axes' (PLANIA_PROXY_COUNT).
"""

import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from math import ceil
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.throttling import BaseThrottle

from plania.accounts.addresses import email_key
from plania.config import parse_rate
from plania.core.errors import error_json
from plania.security.models import RateCounter

View = Callable[..., Any]
Who = Callable[[HttpRequest], str | None]
THROTTLED = "throttled"


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def rate(name: str) -> Rate | None:
    """The limit called `name` (settings.PLANIA_RATES), or None when it is off."""
    if not getattr(settings, "PLANIA_RATE_LIMITS", True):
        return None
    parsed = parse_rate(str(getattr(settings, "PLANIA_RATES", {}).get(name, "off")))
    return Rate(*parsed) if parsed else None


class RateLimited(Exception):
    """Over a limit: answer 429 and ask to come back in `retry_after` seconds."""

    def __init__(self, name: str, retry_after: int):
        super().__init__(f"rate limit {name!r} reached; retry after {retry_after} s")
        self.name = name
        self.retry_after = retry_after


_UPSERT = """
INSERT INTO {table} (key, count, expires_at) VALUES (%(key)s, 1, %(end)s)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN {table}.expires_at <= %(now)s THEN 1 ELSE {table}.count + 1 END,
    expires_at = CASE WHEN {table}.expires_at <= %(now)s THEN EXCLUDED.expires_at
                      ELSE {table}.expires_at END
RETURNING count, expires_at
"""


def hit(name: str, who: str) -> int | None:
    """Count one request of `who` under the limit `name`; the seconds to wait when it is
    over the limit, else None (also when the limit is off)."""
    limit = rate(name)
    if limit is None or not who:
        return None
    now = timezone.now()
    digest = hashlib.sha256(who.encode()).hexdigest()[:40]
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    params = {"key": f"{name}:{digest}", "now": now, "end": now + timedelta(seconds=limit.seconds)}
    sql = _UPSERT.format(table=table)
    if connection.in_atomic_block:
        # Inside a caller's transaction: counted there, its durability kept whole.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count, expires_at = cursor.fetchone()
    else:
        # A counter is not worth a wait for the disk: its own commit does not wait for the
        # write-ahead log (a crash may forget the last counts, never corrupt them).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(sql, params)
            count, expires_at = cursor.fetchone()
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        RateCounter.objects.filter(expires_at__lt=now).delete()
    if count <= limit.count:
        return None
    return max(1, ceil((expires_at - now).total_seconds()))


def check(name: str, who: str) -> None:
    """hit(), raising RateLimited past the limit."""
    wait = hit(name, who)
    if wait is not None:
        raise RateLimited(name, wait)


# Who a request is counted as ---------------------------------------------------------------


def by_ip(request: HttpRequest) -> str | None:
    address = get_client_ip_address(request)
    return f"ip:{address}" if address else None


def by_user(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else None


def by_address(field: str) -> Who:
    """The address typed in a form field, by its key (look-alikes count together)."""

    def who(request: HttpRequest) -> str | None:
        typed = request.POST.get(field, "")
        return f"address:{email_key(typed)}" if typed.strip() else None

    return who


# Answers -------------------------------------------------------------------------------------


def wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)d seconde", "%(n)d secondes", seconds) % {"n": seconds}
    minutes = ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def detail(seconds: int) -> str:
    return _(
        "Trop de demandes en peu de temps : pour protéger le service, cette action est "
        "limitée. Réessayez dans %(wait)s."
    ) % {"wait": wait_text(seconds)}


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429: a page, or the API's JSON error under /api/; Retry-After in seconds."""
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = error_json(429, detail(retry_after), THROTTLED)
    else:
        response = render(
            request,
            "web/security/ratelimited.html",
            {"detail": detail(retry_after), "retry_after": retry_after},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def limited(
    *limits: tuple[str, Who], methods: tuple[str, ...] = ("POST",)
) -> Callable[[View], View]:
    """Wrap a view: each (limit name, who) is counted on `methods`; past one, 429.

    path("connexion/", public(limited(("login_ip", by_ip))(LoginView.as_view())))
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                for name, who_of in limits:
                    who = who_of(request)
                    wait = hit(name, who) if who else None
                    if wait is not None:
                        return too_many(request, wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class ApiThrottle(BaseThrottle):
    """django-ninja's throttle hook over the shared counter: the limit "api" per token
    (per person with the session, per IP address without authentication). Ninja runs it
    after authentication and answers Throttled (429, Retry-After; plania.api.errors)."""

    def __init__(self) -> None:
        self._local = threading.local()  # one instance serves every thread (gthread)

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "api_token", None)
        who = f"token:{token.pk}" if token is not None else by_user(request) or by_ip(request)
        self._local.wait = hit("api", who) if who else None
        return self._local.wait is None

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)
