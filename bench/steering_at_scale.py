"""The steering page, the transparency page and the SCDL export on a large database.

Usage: uv run python bench/steering_at_scale.py [--applications 100000] [--entries 1000000]
       [--requests 30] [--seed 1] [--award-share 0.05] [--keep]

PostgreSQL comes from DATABASE_URL (default: PlanIA's embedded server, as for every command). That
database is only used to (re)create a scratch database named after it,
`<name>_scale_bench`, which is dropped and created afresh, migrated, filled, measured and
dropped at the end (bench/ledger_contention.py does the same).

--keep is for iterating on the code, not for the figures to report: it reuses an existing
scratch database when it was completely filled with the same --applications, --entries,
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

The process runs with the production settings (plania.settings_production, DEBUG off, a
random PLANIA_SECRET_KEY, PLANIA_ALLOWED_HOSTS=testserver, static files collected into a
temporary PLANIA_VAR_DIR and served through the manifest storage, as `make serve-prod`
does). Measured with Django's test Client, in this process, over HTTPS (secure=True: the
production settings redirect plain http), as a steering user signed in with a confirmed
TOTP device (the second factor production requires of staff on every signed-in page):
- /pilotage/: p50 and p95 over --requests requests (after one warm-up request). Nothing is
  cached between requests: each one reads and sums the whole ledger again;
- the page's own selector, `plania.steering.selectors.steering_overview()` (what the view
  calls before rendering), p50 and p95 over as many calls, and the SQL it runs replayed
  bare on a cursor (the same statements, recorded from one call), p50: the page against
  its own query, the selector's Python, and the database's floor;
- /transparence/ unfiltered, and filtered (scheme + département + year), p95;
- the SCDL export rows/s (plania.opendata.scdl.export(), rows turned into CSV) against a
  plain CSV dump of the same awards (csv.writer over a values_list iterator).
The last line printed is one JSON object with steering_p50_ms, steering_p95_ms,
selector_p50_ms, selector_p95_ms, selector_sql_ms, selector_queries,
transparency_p95_ms, transparency_filtered_p95_ms, scdl_rows_per_s,
plain_dump_rows_per_s, settings (the settings module) and debug (False), and the sizes:
applications, awards, ledger_entries.
"""

import argparse
import csv
import io
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ledger_contention import (  # noqa: E402
    database_name,
    default_url,
    drop_scratch_database,
    recreate_scratch_database,
    scratch_name,
    with_database,
)

# A valid (Luhn) SIRET for the attributing body, so that the SCDL export runs.
REGION_SIRET = "20005379100014"


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
    # secure=True: the production settings redirect plain http to https.
    response = client.get(path, secure=True)  # warm-up (template and scheme caches)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path, secure=True)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def timed_call(function: Any, n: int) -> list[float]:
    function()  # warm-up, as timed_get
    times = []
    for _ in range(n):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
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
        help="reuse the scratch database if a previous run filled it with the same sizes, "
        "and do not drop it at the end (for iterating; report a fresh run)",
    )
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or default_url()
    args.scratch = scratch_name(base, "scale")
    if database_name(base) == args.scratch:
        raise SystemExit(f"DATABASE_URL already names {args.scratch!r}; point it at another.")
    args.reused = args.keep and reusable_scratch_database(base, args.scratch, fill_marker(args))
    if args.reused:
        print(f"reusing {args.scratch} (--keep)", flush=True)
    else:
        recreate_scratch_database(base, args.scratch)
    var_dir = tempfile.mkdtemp(prefix="plania-scale-")
    # Production settings, with what they need from the environment (docs/deploy.md).
    for name in [n for n in os.environ if n.startswith(("PLANIA_", "DJANGO_"))]:
        del os.environ[name]
    os.environ.update(
        DATABASE_URL=with_database(base, args.scratch),
        DJANGO_SETTINGS_MODULE="plania.settings_production",
        PLANIA_SECRET_KEY=secrets.token_urlsafe(60),
        PLANIA_CHAIN_KEY=secrets.token_urlsafe(40),
        PLANIA_ALLOWED_HOSTS="testserver",
        PLANIA_DEBUG="0",
        PLANIA_VAR_DIR=var_dir,
        PLANIA_REGION_SIRET=REGION_SIRET,
    )
    import django

    django.setup()
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_scratch_database(base, args.scratch)
    print(json.dumps(result))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from plania.accounts.roles import Role
    from plania.awards.models import Award
    from plania.demo.scale import generate
    from plania.ledger.models import LedgerEntry
    from plania.opendata import scdl
    from plania.steering.selectors import steering_overview

    assert not settings.DEBUG and settings.SETTINGS_MODULE == "plania.settings_production"
    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    # As a deployment does before starting the processes (the manifest storage needs it).
    call_command("collectstatic", interactive=False, verbosity=0)
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
            mark_filled(args.scratch, fill_marker(args))
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
    # Production asks staff for the second factor on every signed-in page: the user has a
    # confirmed TOTP device and the session holds it, as after /securite/otp/.
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    steering = timed_get(client, "/pilotage/", args.requests)
    print(f"/pilotage/: p50 {statistics.median(steering):.0f} ms", flush=True)
    # The page's own query: the selector the view calls, then its SQL replayed bare.
    selector = timed_call(steering_overview, args.requests)
    with CaptureQueriesContext(connection) as captured:
        steering_overview()
    statements = [q["sql"] for q in captured.captured_queries]

    def replay() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    selector_sql = timed_call(replay, args.requests)
    print(
        f"steering_overview(): p50 {statistics.median(selector):.0f} ms, its "
        f"{len(statements)} queries bare: p50 {statistics.median(selector_sql):.0f} ms",
        flush=True,
    )
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
        "selector_p50_ms": round(statistics.median(selector), 1),
        "selector_p95_ms": round(percentile(selector, 95), 1),
        "selector_sql_ms": round(statistics.median(selector_sql), 1),
        "selector_queries": len(statements),
        "scdl_rows_per_s": round(statistics.median(scdl_rates)),
        "plain_dump_rows_per_s": round(statistics.median(plain_rates)),
        "settings": settings.SETTINGS_MODULE,
        "debug": settings.DEBUG,
    }


if __name__ == "__main__":
    main()
