"""Fixtures of the open-data tests: the awards tests' clock, people and private storage,
and a valid Region SIRET (the export refuses without one)."""

import pytest
from django.utils import timezone

from plania.companies.sirene import head_office_siret, sample_siren
from tests.awards.dossiers import Clock, people
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture

REGION_SIRET = head_office_siret(sample_siren(76, seed=76))


@pytest.fixture(autouse=True)
def _private(private_storage_dir):  # noqa: F811
    return private_storage_dir


@pytest.fixture(autouse=True)
def _region(settings):
    settings.PLANIA_REGION_SIRET = REGION_SIRET
    settings.PLANIA_REGION_NAME = "Région Occitanie"


@pytest.fixture
def clock(monkeypatch):
    from tests.applications.factories import DURING

    clock = Clock(DURING)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def staff(db, clock):
    return people()
