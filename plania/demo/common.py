"""What the demo's commands share: the demo's dates (Europe/Paris), a clock that the
services read while the demo replays the past, and the repayment terms the demo's
deliberations set."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from plania.rules.schedules import RepaymentTerms

PARIS = ZoneInfo("Europe/Paris")
# The demo data's "today": nothing is dated after it, whatever the seed (demo_data).
AS_OF = date(2026, 9, 30)
DEMO_PASSWORD = "demo-plania-2024"  # printed by demo_setup; a demo instance only
# Terms set by the demo's deliberations (one quarter of deferral, eight quarterly
# instalments), so that instalments fall due in the demo's lifetime; the schemes' own
# placeholder terms (eight quarters of deferral) would put the first one in 2027.
DEMO_TERMS = RepaymentTerms(
    deferral_periods=1,
    n_instalments=8,
    frequency="quarterly",
    forgiveness_share_on_failure=Decimal("0.5"),
)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """timezone.now() reads `moment` while the block runs: the services date what they
    write (history rows, events) on the demo's day, not on today's."""
    with mock.patch.object(timezone, "now", lambda: moment):
        yield
