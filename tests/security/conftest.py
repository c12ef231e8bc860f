import pytest

from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture
from tests.security.world import build_world


@pytest.fixture
def world(db, private_storage_dir):  # noqa: F811
    return build_world()
