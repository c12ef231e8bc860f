"""When the current request reached the server, as the server can tell (read by
plania.ops.middleware; docs/deploy.md, "Deadlines under load"). No Django nor gunicorn
import here: it runs under any WSGI server.

- `accepted_at()`: the instant the server's accept loop saw the request (the connection
  accepted, or its next request readable on a kept-alive one), before it waited for a
  thread (plania/ops/gunicorn.py sets it for the thread that runs the request);
- `body_received_at(environ)`: the instant the application read the last byte of the
  request's body, recorded by `clock_body`, the WSGI wrapper of plania/wsgi.py around
  `wsgi.input`. A request is fully received then (its headers were before the
  application ran): a deadline is judged on it, not on its first bytes.
"""

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_current = threading.local()

BODY_RECEIVED = "plania.body_received_at"


def accepted_at() -> float | None:
    """Seconds since the epoch, or None when the server does not stamp requests."""
    return getattr(_current, "accepted_at", None)


def set_accepted_at(value: float | None) -> None:
    _current.accepted_at = value


def body_received_at(environ: dict[str, Any]) -> float | None:
    """Seconds since the epoch when the body's last byte was read; None when the body was
    not read to its end yet, or nothing clocks it (a server without plania/wsgi.py)."""
    return environ.get(BODY_RECEIVED)


class _ClockedInput:
    """`wsgi.input` that notes in the environ when its `length` bytes have been read (or
    it ended early). The clock is the server's: the instant a slow sender's last byte is
    in, however early its first bytes were."""

    def __init__(self, stream: Any, length: int, environ: dict[str, Any]) -> None:
        self._stream, self._left, self._environ = stream, length, environ

    def _count(self, data: bytes, asked: int | None) -> bytes:
        self._left -= len(data)
        if self._left <= 0 or (not data and asked != 0):
            self._environ.setdefault(BODY_RECEIVED, time.time())
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._count(self._stream.read(*([] if size is None else [size])), size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._count(self._stream.readline(*([] if size is None else [size])), size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        return [self._count(line, None) for line in self._stream.readlines(hint)]

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


def clock_body(
    application: Callable[[dict[str, Any], Any], Iterable[bytes]],
) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """Wrap a WSGI application so that `body_received_at(environ)` says when the request's
    body was read to its end; a request without a body is received when it starts."""

    def clocked(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        stream = environ.get("wsgi.input")
        if length > 0 and stream is not None:
            environ["wsgi.input"] = _ClockedInput(stream, length, environ)
        else:
            environ[BODY_RECEIVED] = time.time()
        return application(environ, start_response)

    return clocked
