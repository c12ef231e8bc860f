"""`python -m plania.core.dbcheck URL`: exit 0 when the database answers, 1 otherwise.

Used by `make test` to decide whether the PostgreSQL pass can run (outside CI, the
PostgreSQL tests then skip with a reason; with CI=true they fail).
"""

import sys

import dj_database_url


def reachable(url: str) -> bool:
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return False
    import psycopg

    try:
        psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname=config["NAME"],
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable at {url}: {exc}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(0 if reachable(sys.argv[1]) else 1)
