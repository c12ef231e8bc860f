"""Identification under concurrency, on PostgreSQL with real parallel connections: many
people identifying the same new company at once make one Company and no owner (each
files a pending request: nobody represents a company by being first)."""

import threading

import pytest
from django.db import connection

from plania.companies.models import Company, Membership
from plania.companies.services import company_identify
from tests.companies.factories import sirene_company
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

THREADS = 8


def test_parallel_identifications_make_one_company_and_no_owner() -> None:
    unit = sirene_company()
    users = [UserFactory() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def identify(user) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            company_identify(identifier=unit.siren, actor=user)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=identify, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Company.objects.filter(siren=unit.siren).count() == 1
    memberships = Membership.objects.filter(company__siren=unit.siren)
    assert memberships.count() == THREADS
    assert memberships.filter(role="owner").count() == 0
    assert memberships.filter(status="pending").count() == THREADS
