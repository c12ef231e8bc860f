"""The instant the web server accepted the current request's connection, when it says
(plania/ops/gunicorn.py); read by ArrivalTimeMiddleware. No gunicorn import here: the
middleware runs under any server."""

import threading

_current = threading.local()


def accepted_at() -> float | None:
    """Seconds since the epoch, or None when the server does not stamp requests."""
    return getattr(_current, "accepted_at", None)


def set_accepted_at(value: float | None) -> None:
    _current.accepted_at = value
