"""Fixtures of the privacy tests: the applications room's clock, call and applicants, and
a temporary private storage for attachments."""

import pytest

from tests.applications.conftest import Clock, call, clock, other_user, user  # noqa: F401
from tests.documents.dossiers import private_storage_dir  # noqa: F401


@pytest.fixture(autouse=True)
def _private(private_storage_dir):  # noqa: F811
    return private_storage_dir
