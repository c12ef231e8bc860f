"""Fixtures of the operations tests: the awards' clock and people, a private storage in tmp."""

import pytest
from django.utils import timezone

from tests.awards.dossiers import Clock, people
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture


@pytest.fixture
def clock(monkeypatch):
    from tests.applications.factories import DURING

    clock = Clock(DURING)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def staff(db, clock):
    return people()
