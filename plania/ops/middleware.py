"""The instant a request reached the platform, taken first thing (docs/deploy.md).

`request.arrived_at` is what a deadline is judged on (application_submit's
`received_at`): during a rush a request waits in queues (the listen backlog, a busy
worker, a row lock), and a dossier sent before the closing must not be refused for that.

By default it is the time this middleware runs, the first of MIDDLEWARE, or, under
`make serve-prod`'s gunicorn worker (plania/ops/gunicorn.py), the instant the connection
was accepted, before the request waited for a thread. Behind a proxy
that stamps each request, PLANIA_TRUST_REQUEST_START=1 takes the proxy's
`X-Request-Start` header instead (nginx: `proxy_set_header X-Request-Start "t=${msec}";`),
which also counts the wait before a worker picked the request up. The proxy must set it
on every request (overwriting what a client sent). A stamp in the future is brought back
to now, and one older than MAX_QUEUE_WAIT (a wrong clock) is ignored.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from plania.ops.acceptance import accepted_at

# Longer than any queue a request can wait in (gunicorn's timeout, the client's patience).
MAX_QUEUE_WAIT = timedelta(minutes=2)


def parse_request_start(value: str) -> datetime | None:
    """`t=1700000000.123` (seconds, nginx ${msec}), or in milliseconds or microseconds
    (`t=1700000000123456`, Apache %t %D); None when unreadable."""
    text = value.strip()
    if text.startswith("t="):
        text = text[2:]
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number <= 0:  # NaN or nonsense
        return None
    if number > 1e14:
        number /= 1e6
    elif number > 1e11:
        number /= 1e3
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def arrival(request: HttpRequest, now: datetime) -> datetime:
    """The earliest of now, the server's accept stamp (plania.ops.gunicorn) and a trusted
    proxy's stamp; a stamp in the future counts as now, one older than MAX_QUEUE_WAIT is
    ignored."""
    stamps = []
    accepted = accepted_at()
    if accepted is not None:
        stamps.append(datetime.fromtimestamp(accepted, tz=UTC))
    if getattr(settings, "PLANIA_TRUST_REQUEST_START", False):
        header = request.META.get("HTTP_X_REQUEST_START", "")
        stamped = parse_request_start(header) if header else None
        if stamped is not None:
            stamps.append(stamped)
    earliest = now
    for stamp in stamps:
        if now - MAX_QUEUE_WAIT <= stamp < earliest:
            earliest = stamp
    return earliest


class ArrivalTimeMiddleware:
    """Sets `request.arrived_at` (an aware datetime); first in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.arrived_at = arrival(request, timezone.now())  # type: ignore[attr-defined]
        return self.get_response(request)
