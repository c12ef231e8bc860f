"""Fixtures of the operations tests: the awards' clock and people, a private storage in tmp."""

from tests.awards.conftest import clock, staff  # noqa: F401 - fixtures
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture
