"""Migration companies 0003: memberships made active by being first (before verified
representatives) become pending requests; verified ones are left alone."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from plania.companies.enums import MembershipRole, MembershipStatus, VerifiedVia
from plania.companies.models import Membership
from tests.companies.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DEMOTE = import_module("plania.companies.migrations.0003_demote_unverified_memberships")


def test_unverified_active_memberships_become_pending_requests():
    # As on a database made before 0002: an owner who was only first (the constraint of
    # 0004 did not exist yet; dropped here inside the test's transaction).
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE companies_membership DROP CONSTRAINT membership_active_iff_verified"
        )
    verified = MembershipFactory(verified_via=VerifiedVia.MANDATE)
    pending = MembershipFactory(pending=True)
    first = MembershipFactory(verified_via="")
    DEMOTE.demote_unverified(apps, None)
    DEMOTE.demote_unverified(apps, None)  # idempotent
    first.refresh_from_db()
    assert (first.role, first.status, first.approved_at) == (
        MembershipRole.MEMBER,
        MembershipStatus.PENDING,
        None,
    )
    verified.refresh_from_db()
    assert (verified.role, verified.status) == (MembershipRole.OWNER, MembershipStatus.ACTIVE)
    assert Membership.objects.get(pk=pending.pk).status == MembershipStatus.PENDING
