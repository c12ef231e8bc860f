"""For tests that run PlanIA in another process (`python -m plania ...`, a worker)."""

import os
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection


def database_url(**query: str) -> str:
    """DATABASE_URL of the test database this process uses, for a child process (the
    embedded server listens on a socket folder, which the URL carries percent-encoded)."""
    url = settings.DATABASE_SERVER.url(connection.settings_dict["NAME"])
    return f"{url}?{urlencode(query)}" if query else url


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment for a child, on the test database, plus `extra`."""
    return {**os.environ, "DATABASE_URL": database_url(), **extra}
