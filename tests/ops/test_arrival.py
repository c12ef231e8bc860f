from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from plania.ops.middleware import MAX_QUEUE_WAIT, arrival, parse_request_start

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
    settings.PLANIA_TRUST_REQUEST_START = True
    earlier = MOMENT - timedelta(seconds=3)
    assert arrival(_request(f"t={earlier.timestamp():.3f}"), MOMENT) == earlier
    later = MOMENT + timedelta(seconds=3)
    assert arrival(_request(f"t={later.timestamp():.3f}"), MOMENT) == MOMENT
    stale = MOMENT - MAX_QUEUE_WAIT - timedelta(seconds=1)
    assert arrival(_request(f"t={stale.timestamp():.3f}"), MOMENT) == MOMENT
    assert arrival(_request("garbage"), MOMENT) == MOMENT
    assert arrival(_request(), MOMENT) == MOMENT
