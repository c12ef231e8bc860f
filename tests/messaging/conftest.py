import pytest

from tests.documents.dossiers import (
    ApplicationFactory,
    member_of,
    private_storage_dir,  # noqa: F401 - a fixture
    scheme_officer,
)


@pytest.fixture(autouse=True)
def _private(private_storage_dir):  # noqa: F811
    return private_storage_dir


@pytest.fixture
def dossier(db):
    # Filed: staff reach filed dossiers only (a draft is the applicant's alone).
    return ApplicationFactory(submitted=True)


@pytest.fixture
def member(dossier):
    return member_of(dossier.company, email="camille@garonne.example")


@pytest.fixture
def staff(db):
    return scheme_officer(email="instructeur@region.example")
