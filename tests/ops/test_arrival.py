from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from plania.ops.middleware import allowance, arrival, parse_request_start

MOMENT = datetime(2025, 3, 31, 10, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    "header",
    [
        f"t={MOMENT.timestamp():.3f}",  # nginx ${msec}
        f"{MOMENT.timestamp():.3f}",
        f"t={int(MOMENT.timestamp() * 1000)}",  # milliseconds
        f"t={int(MOMENT.timestamp() * 1_000_000)}",  # microseconds (Apache %t %D)
    ],
)
def test_request_start_formats(header):
    assert parse_request_start(header) == MOMENT


@pytest.mark.parametrize("header", ["", "t=", "t=abc", "t=nan", "t=-5", "t=1e400"])
def test_unreadable_request_start(header):
    assert parse_request_start(header) is None


def _request(header=None):
    extra = {"HTTP_X_REQUEST_START": header} if header is not None else {}
    return RequestFactory().get("/", **extra)


def test_arrival_is_now_unless_the_proxy_is_trusted(settings):
    settings.PLANIA_TRUST_REQUEST_START = False
    stamp = f"t={(MOMENT - timedelta(seconds=3)).timestamp():.3f}"
    assert arrival(_request(stamp), MOMENT) == MOMENT


def test_a_trusted_stamp_is_taken_clamped_and_bounded(settings):
    """Earlier than the reception by less than the allowance: taken; later: the reception;
    earlier by more: the reception less the allowance (seconds, not minutes)."""
    settings.PLANIA_TRUST_REQUEST_START = True
    earlier = MOMENT - timedelta(seconds=3)
    assert arrival(_request(f"t={earlier.timestamp():.3f}"), MOMENT) == earlier
    later = MOMENT + timedelta(seconds=3)
    assert arrival(_request(f"t={later.timestamp():.3f}"), MOMENT) == MOMENT
    stale = MOMENT - allowance() - timedelta(seconds=1)
    assert arrival(_request(f"t={stale.timestamp():.3f}"), MOMENT) == MOMENT - allowance()
    settings.PLANIA_DEADLINE_QUEUE_ALLOWANCE = 0
    assert arrival(_request(f"t={earlier.timestamp():.3f}"), MOMENT) == MOMENT
    assert arrival(_request("garbage"), MOMENT) == MOMENT
    assert arrival(_request(), MOMENT) == MOMENT


def test_the_servers_accept_stamp_is_taken_when_earlier(settings):
    """Under make serve-prod's worker (plania/ops/gunicorn.py), the instant the connection
    was accepted, before the request waited for a thread; with a trusted proxy's stamp too,
    the earliest; never after the reception, never earlier than the allowance before it."""
    from plania.ops.acceptance import set_accepted_at

    settings.PLANIA_TRUST_REQUEST_START = True
    accepted = MOMENT - timedelta(seconds=2)
    try:
        set_accepted_at(accepted.timestamp())
        assert arrival(_request(), MOMENT) == accepted
        proxy = MOMENT - timedelta(seconds=3)
        assert arrival(_request(f"t={proxy.timestamp():.6f}"), MOMENT) == proxy
        later = MOMENT - timedelta(seconds=1)
        assert arrival(_request(f"t={later.timestamp():.6f}"), MOMENT) == accepted
        set_accepted_at((MOMENT + timedelta(seconds=1)).timestamp())
        assert arrival(_request(), MOMENT) == MOMENT
        set_accepted_at((MOMENT - timedelta(minutes=1)).timestamp())
        assert arrival(_request(), MOMENT) == MOMENT - allowance()
    finally:
        set_accepted_at(None)
    assert arrival(_request(), MOMENT) == MOMENT


def test_the_worker_stamps_on_accept_and_hands_the_stamp_to_the_request(monkeypatch):
    """StampingThreadWorker: the stamp is taken when the connection is queued for a thread
    (accept loop), and is the current request's while it runs, then cleared."""
    import time
    from types import SimpleNamespace

    from gunicorn.workers.gthread import ThreadWorker

    from plania.ops.acceptance import accepted_at
    from plania.ops.gunicorn import StampingThreadWorker

    queued: list = []
    seen: list = []
    monkeypatch.setattr(ThreadWorker, "enqueue_req", lambda self, conn: queued.append(conn))
    monkeypatch.setattr(
        ThreadWorker, "handle_request", lambda self, req, conn: seen.append(accepted_at())
    )
    worker = StampingThreadWorker.__new__(StampingThreadWorker)
    conn = SimpleNamespace()
    before = time.time()
    worker.enqueue_req(conn)
    assert queued == [conn] and before <= conn.plania_accepted_at <= time.time()
    time.sleep(0.01)  # the request waits for a thread
    worker.handle_request(object(), conn)
    assert seen == [conn.plania_accepted_at]
    assert accepted_at() is None
