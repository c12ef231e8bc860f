"""The steering page, the transparency page and the SCDL export on a large database.

Usage: uv run python bench/steering_at_scale.py [--applications 100000] [--entries 1000000]
       [--requests 30] [--seed 1] [--award-share 0.05] [--keep]

PostgreSQL comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). That
database is only used to (re)create a scratch database, `plania_scale`, which is dropped
and created afresh, migrated, filled, measured and dropped at the end (bench/
ledger_contention.py does the same).

--keep is for iterating on the code, not for the figures to report: it reuses an existing
`plania_scale` when it was completely filled with the same --applications, --entries,
--seed and --award-share (the run that filled it records these as the database's
COMMENT once generation has finished; an interrupted run leaves none, so it is rebuilt),
runs `migrate` on it (so a new migration, e.g. an index, applies), and does not drop it
at the end. A reused database has been measured before: its pages are no colder than
PostgreSQL's buffers left them. Report the figures of a fresh run (without --keep).

The data comes from the `plania demo_data` generator (plania.demo.scale): companies,
dossiers in every state, ~5% of them awarded (proposal, agenda item, agreement, schedule,
payments, repayments), and small commitment/payment pairs spread over the plan's envelopes
and years until the ledger holds at least --entries entries. The ledger is written by
plania.ledger.batch.LedgerBatch (chain hashes and running totals by the ledger's own
code), so `plania verify_integrity` would pass on it (not run here: it walks every row).

Then VACUUM (ANALYZE), as autovacuum would have done in a running database (see the comment
in run(): the steering page reads the ledger through an index-only scan, which needs the
visibility map VACUUM sets).

Measured with Django's test Client, in this process, a steering user logged in with
force_login (PLANIA_OTP_REQUIRED=0 in this process only):
- /pilotage/: p50 and p95 over --requests requests (after one warm-up request). Nothing is
  cached between requests: each one reads and sums the whole ledger again (one grouped
  query, plania.ledger.selectors.sums_by_envelope_year);
- /transparence/ unfiltered, and filtered (scheme + département + year), p95;
- a bare aggregate: SUM(amount) GROUP BY envelope over the ledger, ms (median of 5);
- the SCDL export rows/s (plania.opendata.scdl.export(), rows turned into CSV) against a
  plain CSV dump of the same awards (csv.writer over a values_list iterator).
The last line printed is one JSON object with steering_p50_ms, steering_p95_ms,
transparency_p95_ms, transparency_filtered_p95_ms, bare_aggregate_ms, scdl_rows_per_s,
plain_dump_rows_per_s (and the sizes: applications, awards, ledger_entries).
"""

import argparse
import csv
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ledger_contention import (  # noqa: E402
    DEFAULT_URL,
    database_name,
    recreate_scratch_database,
    with_database,
)

SCRATCH_DB = "plania_scale"
# A valid (Luhn) SIRET for the attributing body, so that the SCDL export runs.
REGION_SIRET = "20005379100014"


def drop_scratch_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def fill_marker(args: argparse.Namespace) -> str:
    """What a completely filled scratch database records as its COMMENT (see --keep)."""
    return (
        f"plania steering_at_scale: applications={args.applications} entries={args.entries} "
        f"seed={args.seed} award_share={args.award_share}"
    )


def reusable_scratch_database(url: str, name: str, marker: str) -> bool:
    """True when `name` exists and its COMMENT says it was filled with these sizes."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    return row is not None and row[0] == marker


def mark_filled(name: str, marker: str) -> None:
    from django.db import connection
    from psycopg import sql

    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}")
            .format(sql.Identifier(name), sql.Literal(marker))
            .as_string(cursor.connection)
        )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def timed_get(client: Any, path: str, n: int) -> list[float]:
    response = client.get(path)  # warm-up (template and scheme caches)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--award-share", type=float, default=0.05)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep",
        action="store_true",
        help=f"reuse {SCRATCH_DB} if a previous run filled it with the same sizes, and do not "
        "drop it at the end (for iterating; report a fresh run)",
    )
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if database_name(base) == SCRATCH_DB:
        raise SystemExit(f"DATABASE_URL already names {SCRATCH_DB!r}; point it at another.")
    args.reused = args.keep and reusable_scratch_database(base, SCRATCH_DB, fill_marker(args))
    if args.reused:
        print(f"reusing {SCRATCH_DB} (--keep)", flush=True)
    else:
        recreate_scratch_database(base, SCRATCH_DB)
    os.environ["DATABASE_URL"] = with_database(base, SCRATCH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "plania.settings"
    os.environ["PLANIA_OTP_REQUIRED"] = "0"
    os.environ.setdefault("PLANIA_REGION_SIRET", REGION_SIRET)
    import django

    django.setup()
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_scratch_database(base, SCRATCH_DB)
    print(json.dumps(result))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from plania.accounts.roles import Role
    from plania.awards.models import Award
    from plania.demo.scale import generate
    from plania.ledger.models import LedgerEntry
    from plania.opendata import scdl

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - start:.1f} s", flush=True)
    if not args.reused:
        start = time.perf_counter()
        counts = generate(
            applications=args.applications,
            seed=args.seed,
            entries=args.entries,
            award_share=args.award_share,
        )
        print(
            f"generate: {time.perf_counter() - start:.1f} s — {counts.companies} companies, "
            f"{counts.applications} dossiers, {counts.awards} awards, {counts.payments} "
            f"payments, {counts.repayments} repayments, {counts.ledger_entries} ledger entries "
            "(chain hashes computed, running totals set)",
            flush=True,
        )
        if args.keep:
            mark_filled(SCRATCH_DB, fill_marker(args))
    # VACUUM as well as ANALYZE: a table filled in bulk a moment ago has no visibility map
    # yet, which a running database's autovacuum keeps (the ledger's is triggered every 2%
    # of new entries, ledger migration 0005). Without it the steering page's index-only
    # read of the ledger would visit every table row: a state the bench would otherwise
    # measure or not depending on when autovacuum happened to pass.
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"vacuum analyze: {time.perf_counter() - start:.1f} s", flush=True)
    n_entries = LedgerEntry.objects.count()
    n_awards = Award.objects.count()

    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username="bench-pilotage",
        defaults={"email": "pilotage@bench.plania.fr", "is_staff": True},
    )
    for role in (Role.STEERING, Role.ADMIN):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    client.force_login(user)

    steering = timed_get(client, "/pilotage/", args.requests)
    print(f"/pilotage/: p50 {statistics.median(steering):.0f} ms", flush=True)
    public = Client()
    transparency = timed_get(public, "/transparence/", args.requests)
    award = Award.objects.select_related("company").order_by("pk").first()
    query = ""
    if award is not None:
        query = (
            f"?dispositif={award.scheme_code}&departement={award.company.departement}"
            f"&annee={award.decided_on.year}"
        )
    filtered = timed_get(public, f"/transparence/{query}", args.requests)

    aggregate = []
    for _ in range(5):
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT envelope_id, SUM(amount) FROM ledger_ledgerentry GROUP BY envelope_id"
            )
            cursor.fetchall()
        aggregate.append((time.perf_counter() - start) * 1000)

    # SCDL export: the rows as the view streams them (CSV text), against a plain dump.
    scdl_rates, plain_rates, n_rows = [], [], 0
    for _ in range(3):
        start = time.perf_counter()
        export = scdl.export()
        rows_seen = []
        for chunk in scdl.csv_lines(export.rows()):
            rows_seen.append(chunk.count("\r\n"))
        n_rows = sum(rows_seen) - 1  # the header
        scdl_rates.append(n_rows / (time.perf_counter() - start))
        ids = list(export.queryset.values_list("pk", flat=True))
        start = time.perf_counter()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        rows = (
            Award.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list(
                "reference",
                "beneficiary_name",
                "beneficiary_siret",
                "purpose",
                "scheme_code",
                "total",
                "grant",
                "legal_basis",
                "deliberation_reference",
                "decided_on",
            )
            .iterator(chunk_size=2000)
        )
        for r in rows:
            writer.writerow(r)
        plain_rates.append(len(ids) / (time.perf_counter() - start))
    print(f"SCDL rows: {n_rows}", flush=True)

    return {
        "applications": args.applications,
        "awards": n_awards,
        "ledger_entries": n_entries,
        "steering_p50_ms": round(statistics.median(steering), 1),
        "steering_p95_ms": round(percentile(steering, 95), 1),
        "transparency_p95_ms": round(percentile(transparency, 95), 1),
        "transparency_filtered_p95_ms": round(percentile(filtered, 95), 1),
        "bare_aggregate_ms": round(statistics.median(aggregate), 1),
        "scdl_rows_per_s": round(statistics.median(scdl_rates)),
        "plain_dump_rows_per_s": round(statistics.median(plain_rates)),
    }


if __name__ == "__main__":
    main()
