"""The SQL a page or an endpoint runs, recorded for a snapshot (les-emplois' style, issue 12
item 5): a list page must run the same queries for 1 row and for 50, and a new or changed
query must show as a diff in review, not only as a different count.

    with recorded_queries() as queries:
        client.get(url)
    assert queries == snapshot  # syrupy: tests/<room>/__snapshots__/<test file>.ambr

Each query is recorded as Django sends it to the driver, before the values are bound: the
placeholders stand for ids, dates and amounts, so the text does not change with the data.
What still would is normalised: a savepoint's generated name, `IN (%s, %s, ...)`, whose
length is the number of rows a prefetch or a filter carries (a prefetch's query is the
same query for 1 row and for 50), and the numbers of LIMIT and OFFSET, which Django
writes in the SQL (a paginator's last page ends at the row count). sqlparse (a Django
dependency) lays the SQL out one clause a line, so that a diff points at the clause that
changed.

Why syrupy and not a count (`django_assert_num_queries`): a count stays the same when one
query is swapped for another (a join dropped, a prefetch replaced by a lazy load on a
related row); the text does not. Why syrupy rather than a file format of our own: it is
maintained, pytest-native (`--snapshot-update` writes, a stale snapshot fails with a
readable diff, unused snapshots are reported), and les-emplois uses it for exactly this.
The recorder itself is Django's documented `connection.execute_wrapper`, not a patch of
Django's debug cursor as les-emplois does.
"""

import difflib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlparse
from django.db import DEFAULT_DB_ALIAS, connections

_SAVEPOINT = re.compile(r'^(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT) +"[^"]+"')
# `IN (%s, %s, %s)` -> `IN (...)`; the list of rows of a multi-row INSERT likewise.
_IN_LIST = re.compile(r"\bIN \((?:%s)(?:, %s)*\)", re.IGNORECASE)
# Django writes LIMIT and OFFSET as numbers, not parameters; the paginator's last page
# ends at the row count (LIMIT 1 with one dossier, LIMIT 50 with fifty).
_LIMIT = re.compile(r"\b(LIMIT|OFFSET) \d+\b")
_VALUES_ROWS = re.compile(r"\bVALUES (\((?:%s)(?:, %s)*\))(?:, \((?:%s)(?:, %s)*\))*")


def normalise(sql: str) -> str:
    savepoint = _SAVEPOINT.match(sql)
    if savepoint:
        return f'{savepoint.group(1)} "<savepoint>"'
    sql = _IN_LIST.sub("IN (...)", sql)
    sql = _LIMIT.sub(r"\1 %s", sql)
    sql = _VALUES_ROWS.sub(r"VALUES \1, ...", sql)
    return sqlparse.format(
        sql, keyword_case="upper", reindent=True, use_space_around_operators=True
    )


@contextmanager
def recorded_queries(using: str = DEFAULT_DB_ALIAS) -> Iterator[list[str]]:
    """The normalised SQL of every query run on `using` inside the block, in order."""
    queries: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(normalise(sql))
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(record):
        yield queries


def one_then_fifty(
    add: Callable[[int], object], get: Callable[[int], object]
) -> tuple[list[str], list[str]]:
    """The queries of `get(n)` once `add(1)` made one row, then once `add(49)` made 50.

    Each is asked twice and the second recorded: the first stamps the token's or the
    session's last use, a write the second skips (at most one stamp a minute)."""
    add(1)
    get(1)
    with recorded_queries() as one:
        get(1)
    add(49)
    get(50)
    with recorded_queries() as fifty:
        get(50)
    return one, fifty


def assert_same_queries(one: list[str], fifty: list[str]) -> None:
    """The SQL of 1 row and of 50 are the same; else the diff, query by query."""
    if one != fifty:
        diff = difflib.unified_diff(
            ";\n".join(one).splitlines(),
            ";\n".join(fifty).splitlines(),
            "1 row",
            "50 rows",
            lineterm="",
        )
        raise AssertionError("The SQL changes with the number of rows:\n" + "\n".join(diff))
