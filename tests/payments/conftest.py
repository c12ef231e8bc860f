"""Fixtures of the payments tests: the awards room's clock, people and private storage."""

from tests.awards.conftest import _private, clock, staff  # noqa: F401 - fixtures
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture
