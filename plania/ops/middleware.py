"""The instant a request reached the platform, which a deadline is judged on
(docs/deploy.md, "Deadlines under load"; docs/security.md, "Tamper evidence and the
deadline").

`received_at(request)` is what application_submit's `received_at` takes. A request is
judged on when it was fully received: its body read to its end (plania.ops.acceptance
clocks it under plania/wsgi.py), or, when it has none, when this middleware, first of
MIDDLEWARE, ran. A sender cannot start a request before the closing and finish it after.

During a rush a fully received request still waits (the listen backlog, a busy worker, a
row lock), and a dossier sent before the closing must not be refused for that: the
earliest of the stamps taken before (this middleware's clock; under `make serve-prod`'s
gunicorn worker, plania/ops/gunicorn.py, the instant the accept loop saw the request;
behind a proxy that stamps each request, with PLANIA_TRUST_REQUEST_START=1, its
`X-Request-Start`, nginx: `proxy_set_header X-Request-Start "t=${msec}";`, which the proxy
must set on every request, overwriting what a client sent) is taken instead, but never
more than PLANIA_DEADLINE_QUEUE_ALLOWANCE seconds (10) before the request was fully
received: the credit for waiting is seconds, not minutes, and a slow sender gains at most
that. A stamp in the future counts as the reception.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone

from plania.ops.acceptance import accepted_at, body_received_at


def allowance() -> timedelta:
    """The most waiting credited to a request (PLANIA_DEADLINE_QUEUE_ALLOWANCE)."""
    return timedelta(seconds=float(getattr(settings, "PLANIA_DEADLINE_QUEUE_ALLOWANCE", 10.0)))


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


def arrival(
    request: HttpRequest,
    received: datetime,
    *,
    accepted: float | None = None,
    started: datetime | None = None,
) -> datetime:
    """The instant `request` counts as arrived: the earliest of `received` (fully received),
    `started` (the middleware's clock), the server's accept stamp and a trusted proxy's
    stamp, but not before `received` less the allowance; a stamp after `received` counts
    as `received`."""
    stamps = [started] if started is not None else []
    accepted = accepted if accepted is not None else accepted_at()
    if accepted is not None:
        stamps.append(datetime.fromtimestamp(accepted, tz=UTC))
    if getattr(settings, "PLANIA_TRUST_REQUEST_START", False):
        header = request.META.get("HTTP_X_REQUEST_START", "")
        stamped = parse_request_start(header) if header else None
        if stamped is not None:
            stamps.append(stamped)
    earliest = min([received, *stamps])
    return max(earliest, received - allowance())


@dataclass(frozen=True)
class _Stamps:
    started: datetime  # when this middleware ran (the request's headers were in)
    accepted: float | None  # the server's accept stamp, taken in the request's thread


def _read_to_the_end(request: HttpRequest) -> None:
    """Read what is left of the body (a view that needs none may not have read it)."""
    try:
        request.body  # noqa: B018 - read for its side effect
    except RawPostDataException:
        pass  # parsed as a form: the stream was read to its end
    except RequestDataTooBig:
        while request.read(64 * 1024):
            pass


def received_at(request: HttpRequest) -> datetime:
    """When `request` counts as arrived for a deadline (module docstring). Reads the rest
    of the body first, if any: a request is received when all of it is."""
    stamps: _Stamps | None = getattr(request, "_plania_stamps", None)
    started = stamps.started if stamps else timezone.now()
    environ = getattr(request, "environ", {})
    if int(request.META.get("CONTENT_LENGTH") or 0) > 0 and body_received_at(environ) is None:
        _read_to_the_end(request)
    body = body_received_at(environ)
    received = max(started, datetime.fromtimestamp(body, tz=UTC)) if body else timezone.now()
    return arrival(
        request,
        max(received, started),
        accepted=stamps.accepted if stamps else None,
        started=started,
    )


class ArrivalTimeMiddleware:
    """Notes the request's stamps for `received_at`; first in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request._plania_stamps = _Stamps(timezone.now(), accepted_at())  # type: ignore[attr-defined]
        return self.get_response(request)
