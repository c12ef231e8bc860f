import pytest

from tests.documents.dossiers import (
    ApplicationFactory,
    member_of,
    private_storage_dir,  # noqa: F401 - a fixture
    staff_user,
)


@pytest.fixture(autouse=True)
def _private(private_storage_dir):  # noqa: F811
    return private_storage_dir


@pytest.fixture
def dossier(db):
    return ApplicationFactory()


@pytest.fixture
def member(dossier):
    return member_of(dossier.company, email="camille@garonne.example")


@pytest.fixture
def staff(db):
    return staff_user(email="instructeur@region.example")
