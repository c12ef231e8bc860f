"""Dossiers, people and a private storage for the documents and messaging tests.

`ApplicationFactory` builds Application rows directly (the applications room's services
build real ones); traits give the states these rooms care about: draft (default),
submitted, incomplete.
"""

from datetime import timedelta

import factory
import pytest
from django.utils import timezone
from factory.django import DjangoModelFactory

from plania.applications.enums import ApplicationState
from plania.applications.models import Application, Call
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.factories import EnvelopeFactory, UserFactory

FILED = {
    "submitted_at": factory.LazyFunction(timezone.now),
    "receipt_number": factory.LazyAttribute(lambda o: f"AR-{o.reference}"),
    "rules_sha256": "0" * 64,
    "scheme_code": "startup-industrie-demain",
    "scheme_version": "2025",
}


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call

    reference = factory.Sequence(lambda n: f"appel-test-{n}")
    scheme_code = "startup-industrie-demain"
    scheme_version = "2025"
    envelope = factory.SubFactory(EnvelopeFactory)
    title_fr = factory.Sequence(lambda n: f"Appel de test {n}")
    title_en = factory.Sequence(lambda n: f"Test call {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"SID-2025-{n:05d}")
    call = factory.SubFactory(CallFactory)
    company = factory.SubFactory(CompanyFactory)
    created_by = factory.SubFactory(UserFactory)
    state = ApplicationState.DRAFT

    class Params:
        submitted = factory.Trait(state=ApplicationState.SUBMITTED, **FILED)
        incomplete = factory.Trait(state=ApplicationState.INCOMPLETE, **FILED)


def verified_user(**fields):
    return UserFactory(**{"email_verified_at": timezone.now(), **fields})


def member_of(company, **fields):
    user = verified_user(**fields)
    MembershipFactory(user=user, company=company)
    return user


def staff_user(**fields):
    return verified_user(staff=True, **fields)


def scheme_officer(scheme_code="startup-industrie-demain", **fields):
    """An officer assigned to a scheme (the factory's filed dossiers have this scheme): the
    staff who reach a filed dossier (plania/instruction/permissions.py)."""
    from django.contrib.auth.models import Group

    from plania.accounts.roles import Role
    from plania.instruction.models import SchemeAssignment

    user = staff_user(**fields)
    user.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    SchemeAssignment.objects.create(officer=user, scheme_code=scheme_code)
    return user


@pytest.fixture
def private_storage_dir(settings, tmp_path):
    """Attachments go to a temporary private folder during the test."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location


def download(client, url, **kwargs):
    """GET a file: (response, body). Reading the stream to its end closes the file (the
    test client then closes the response as a WSGI server would)."""
    response = client.get(url, **kwargs)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def stored_files(location) -> list:
    return sorted(p for p in location.rglob("*") if p.is_file()) if location.exists() else []
