"""Fixtures of the applications tests: a clock the tests set, a call, applicants.

The clock replaces django.utils.timezone.now (which the services, the models' auto_now
fields and sessions all read), so that a test can stand one second before or after a
deadline, exactly.
"""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.applications.factories import DURING, CallFactory, applicant


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(DURING)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def call(db, clock):
    return CallFactory()


@pytest.fixture
def user(db, clock):
    return applicant(first_name="Camille", last_name="Martin")


@pytest.fixture
def other_user(db, clock):
    return applicant(first_name="Alex", last_name="Durand")
