"""How fast does PlanIA commit on a call's envelope, against bare UPDATEs of the same rows?

Usage: uv run python bench/ledger_contention.py [--workers 16] [--seconds 5] [--rounds 3]

What is timed is what an award does: `ledger_commit` (plania.ledger.services), the service
the committee's decision calls (plania.awards.services._approve), with a person as the
actor, on the envelopes real calls commit on. The plan comes from the plan file the
project ships, loaded with `plan_load` (as `plania load_plan` does):

- `ia-axe-1-rd`, the R&D sub-envelope of axis 1, the envelope of the `ia-rd-projets`
  calls (plania.demo.scale.CALLS): two levels, the axis's root and the sub-envelope;
- `ia-axe-1-rd-<year>`, an annual vote under it (budget_year set), added by a revision of
  the same plan file (a copy with one more envelope, loaded with `plan_load` again): three
  levels, the deepest tree a call's envelope has here.

A commitment takes the running-totals row (ledger_envelopebalance) of every envelope from
the root down: `committed + amount <= allocated` or nothing, in one conditional UPDATE per
level, the last one also inserting the entry. Commitments under one root are therefore
serialised on the root's row. The fair yardstick is the same serialisation with nothing
else around it: `BEGIN; UPDATE ledger_envelopebalance SET committed_cents =
committed_cents + 1 WHERE envelope_id = <level>` for every level of the same envelope,
root first, in one statement (each level's UPDATE a CTE waiting for the one above, as
PlanIA's), `COMMIT`, with the same number of workers, on the same rows of the same table.
The ratio of the two rates says how much PlanIA adds to the locks' critical section (the
look-up of the tree, the conditions, the hash chain, the entry and its indexes).

PostgreSQL comes from DATABASE_URL (default: PlanIA's embedded server, as for every command). That
database is only used to (re)create a scratch database named after it,
`<name>_ledger_bench`, which is created afresh, migrated with Django's `migrate`, used for
every phase and dropped at the end (--keep leaves it). Workers are separate processes
(each runs django.setup() once, before the clock starts), so the Python side is not
serialised by one GIL; every worker takes part in every phase, phases start together on a
barrier.

Each round runs, for each envelope, a PlanIA phase then a bare phase: a slow moment of the
machine does not hit only one side; each rate is the median of its rounds (on a small
shared machine one 5 s run varies by 20%). Afterwards the database is checked: every
counted commitment is an entry, and every row's running total is its entries plus the
counted bare UPDATEs, to the cent.

The last line printed is one JSON object: workers, envelope (the deepest), levels,
plania_commits_per_s, bare_updates_per_s, ratio (for the deepest envelope, the goal is
>= 0.3), and `by_envelope` with the same figures for each envelope measured.
"""

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def default_url() -> str:
    """Without DATABASE_URL, PlanIA's own default: the embedded PostgreSQL under var/
    (started if need be), its maintenance database "postgres"; each bench creates and
    drops its scratch database beside PlanIA's."""
    from plania.config import Environment
    from plania.core.database import server

    # Environment(), not the cached env(): settings read DATABASE_URL later, once the
    # bench has set it to its scratch database.
    var_dir = Environment().var_dir
    return server(database_url="", data_dir=var_dir / "postgres").url("postgres")


PLAN_FILE = ROOT / "plania" / "data" / "plans" / "occitanie-ia-2024-2028.yaml"
CALL_ENVELOPE = "ia-axe-1-rd"  # the ia-rd-projets calls' envelope (plania.demo.scale.CALLS)
BUDGET_YEAR = 2025
ANNUAL_ENVELOPE = f"{CALL_ENVELOPE}-{BUDGET_YEAR}"
# A fifth of the R&D envelope's EUR 18M, voted for one year.
ANNUAL_CAP = Decimal("3600000")
# Far below what the envelopes allow (EUR 3.6M at the deepest): no commitment is refused
# and every phase measures the same thing, one accepted movement per transaction.
COMMIT_AMOUNT = Decimal("1.00")
BENCH_USER = "bench-ledger"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def scratch_name(url: str, what: str) -> str:
    """The scratch database of bench `what`, named after DATABASE_URL's database, so that
    two people sharing a server, each with their own DATABASE_URL, never share it."""
    return f"{database_name(url) or 'plania'}_{what}_bench"


def recreate_scratch_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    if database_name(url) == name:
        raise SystemExit(f"DATABASE_URL already names {name!r}; point it at another database.")
    # CREATE/DROP DATABASE cannot run in a transaction block.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_scratch_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def setup_django(url: str) -> None:
    # Settings read DATABASE_URL at import time: set it before django.setup().
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "plania.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def annual_revision(source: Path, out: Path) -> None:
    """The plan file with one more envelope: an annual vote under the call's envelope."""
    import yaml

    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    for axis in doc["axes"]:
        for envelope in axis.get("envelopes", []):
            if envelope["code"] == CALL_ENVELOPE:
                envelope["envelopes"] = [
                    {
                        "code": ANNUAL_ENVELOPE,
                        "name": {
                            "fr": f"Projets de R&D — crédits {BUDGET_YEAR}",
                            "en": f"R&D projects — {BUDGET_YEAR} credits",
                        },
                        "budget_year": BUDGET_YEAR,
                        "cap": {
                            "amount": int(ANNUAL_CAP),
                            "source": "seed-derived",
                            "quote": "bench/ledger_contention.py: a fifth of the EUR 18M "
                            "R&D envelope voted for one year",
                        },
                    }
                ]
                out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
                return
    raise SystemExit(f"{source}: no envelope {CALL_ENVELOPE!r}")


def prepare(url: str) -> dict[str, list[int]]:
    """Migrate, load the plan file and its annual revision; the envelopes' ids, root first."""
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from plania.ledger.plan_load import plan_load
    from plania.ledger.services import _ancestors
    from plania.plans.models import Envelope

    call_command("migrate", verbosity=0, interactive=False)
    plan_load(path=PLAN_FILE, actor_label="bench/ledger_contention.py")
    with tempfile.TemporaryDirectory(prefix="plania-ledger-bench-") as tmp:
        revised = Path(tmp) / PLAN_FILE.name
        annual_revision(PLAN_FILE, revised)
        plan_load(path=revised, actor_label="bench/ledger_contention.py")
    get_user_model().objects.create_user(
        username=BENCH_USER, email="ledger@bench.plania.fr", password=None
    )
    chains = {}
    for code in (CALL_ENVELOPE, ANNUAL_ENVELOPE):
        envelope = Envelope.objects.get(code=code)
        chains[code] = [pk for pk, _year in reversed(_ancestors(envelope))]
    connection.close()
    return chains


def worker(
    url: str,
    phases: list[tuple[str, str, list[int]]],
    seconds: float,
    barrier: Barrier,
    results: Any,
) -> None:
    """Runs every phase in turn: ("plania" | "bare", envelope code, level ids root first)."""
    import psycopg

    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from plania.ledger.services import ledger_commit
    from plania.plans.models import Envelope

    actor = get_user_model().objects.get(username=BENCH_USER)
    envelopes = {code: Envelope.objects.get(code=code) for _kind, code, _chain in phases}
    bare = psycopg.connect(url)  # autocommit off: BEGIN ... COMMIT, as Django does

    def plania_one(code: str, _chain: list[int]) -> None:
        ledger_commit(
            envelope=envelopes[code],
            amount=COMMIT_AMOUNT,
            budget_year=BUDGET_YEAR,
            on=date(BUDGET_YEAR, 6, 1),
            reference="CP/2025-06/BENCH",
            reason="Aide accordée par la Commission permanente (banc d'essai)",
            actor=actor,
        )

    def bare_sql(chain: list[int]) -> str:
        # One statement for every level, as PlanIA's: the strongest yardstick (one UPDATE
        # per level would hold the root's row through a round trip per level). Each level's
        # UPDATE waits for the one above it (EXISTS), so the rows are locked root first in
        # every transaction; `WHERE envelope_id = ANY(...)` locks them in the order the
        # scan meets them, which changes as rows move, and deadlocks.
        levels = [
            f"level{depth} AS (UPDATE ledger_envelopebalance "
            f"SET committed_cents = committed_cents + 1 WHERE envelope_id = %s"
            + (f" AND EXISTS (SELECT 1 FROM level{depth - 1})" if depth else "")
            + " RETURNING envelope_id)"
            for depth in range(len(chain))
        ]
        return f"WITH {', '.join(levels)} SELECT count(*) FROM level{len(chain) - 1}"

    statements = {code: bare_sql(chain) for _kind, code, chain in phases}

    def bare_one(code: str, chain: list[int]) -> None:
        bare.execute(statements[code], chain)
        bare.commit()

    for kind, code, chain in phases:
        one = plania_one if kind == "plania" else bare_one
        done, errors = 0, []
        one(code, chain)  # warm up: connections open, statements planned, before the clock
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            try:
                one(code, chain)
            except Exception as exc:  # reported, never hidden: any error spoils the figure
                errors.append(repr(exc))
                break
            done += 1
        results.put((kind, code, done, errors))
        barrier.wait()  # nobody starts the next phase while another still runs this one
    bare.close()
    connection.close()


def check(url: str, chains: dict[str, list[int]], commits: dict[str, int], bare: dict[str, int]):
    """Every counted write happened: the entries, and each row's running total."""
    import psycopg

    with psycopg.connect(url) as conn:
        for code in chains:
            (entries,) = conn.execute(
                "SELECT count(*) FROM ledger_ledgerentry e JOIN plans_envelope v "
                "ON v.id = e.envelope_id WHERE v.code = %s AND e.kind = 'commitment'",
                (code,),
            ).fetchone()  # type: ignore[misc]
            assert entries == commits[code], (code, entries, commits[code])
        for code, chain in chains.items():
            for pk in chain:
                # Commitments on this row: on its own envelope and on those below it.
                expected_commit_cents = sum(
                    commits[c] * int(COMMIT_AMOUNT * 100) for c, ch in chains.items() if pk in ch
                )
                expected_bare = sum(bare[c] for c, ch in chains.items() if pk in ch)
                (committed,) = conn.execute(
                    "SELECT committed_cents FROM ledger_envelopebalance WHERE envelope_id = %s",
                    (pk,),
                ).fetchone()  # type: ignore[misc]
                assert committed == expected_commit_cents + expected_bare, (
                    code,
                    pk,
                    committed,
                    expected_commit_cents,
                    expected_bare,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase and round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of (PlanIA, bare) phases per envelope; each rate is the median",
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch database")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL") or default_url()
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL, not {base_url!r}")
    # Production runs with DEBUG off; with it on, Django also logs every query it runs.
    os.environ["PLANIA_DEBUG"] = "0"
    scratch = scratch_name(base_url, "ledger")
    url = with_database(base_url, scratch)
    recreate_scratch_database(base_url, scratch)
    try:
        chains = prepare(url)
        print(f"scratch database {scratch}: plan loaded; levels (root first): {chains}")
        print(
            f"{args.workers} worker processes, {args.seconds:g} s per phase, "
            f"{args.rounds} round(s), PLANIA_DEBUG=0"
        )
        phases = [
            (kind, code, chain)
            for _round in range(args.rounds)
            for code, chain in chains.items()
            for kind in ("plania", "bare")
        ]
        # Processes are spawned, not forked: each starts clean and runs django.setup().
        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(args.workers)
        results = ctx.Queue()
        procs = [
            ctx.Process(target=worker, args=(url, phases, args.seconds, barrier, results))
            for _ in range(args.workers)
        ]
        for proc in procs:
            proc.start()
        rates: dict[tuple[str, str], list[float]] = {}
        totals = {"plania": dict.fromkeys(chains, 0), "bare": dict.fromkeys(chains, 0)}
        for number, (kind, code, _chain) in enumerate(phases):
            outcomes = [results.get(timeout=300 + args.seconds) for _ in procs]
            errors = [e for outcome in outcomes for e in outcome[3]]
            if errors:
                for proc in procs:
                    proc.terminate()
                raise SystemExit(f"{len(errors)} worker error(s), first: {errors[0]}")
            done = sum(outcome[2] for outcome in outcomes)
            # Each worker also made one warm-up write per phase, before the clock.
            totals[kind][code] += done + args.workers
            rates.setdefault((kind, code), []).append(done / args.seconds)
            if kind == "bare":
                plania_rate = rates[("plania", code)][-1]
                print(
                    f"round {number // (2 * len(chains)) + 1}, {code} "
                    f"({len(chains[code])} levels): PlanIA ledger_commit {plania_rate:.0f}/s, "
                    f"bare UPDATEs {rates[kind, code][-1]:.0f}/s, "
                    f"ratio {plania_rate / rates[kind, code][-1]:.3f}",
                    flush=True,
                )
        for proc in procs:
            proc.join()
        check(url, chains, totals["plania"], totals["bare"])
        print("checked: every counted commitment and UPDATE is in the database, to the cent")
    finally:
        if not args.keep:
            drop_scratch_database(base_url, scratch)

    by_envelope = {}
    for code, chain in chains.items():
        plania_rate = statistics.median(rates[("plania", code)])
        bare_rate = statistics.median(rates[("bare", code)])
        by_envelope[code] = {
            "levels": len(chain),
            "plania_commits_per_s": round(plania_rate, 1),
            "bare_updates_per_s": round(bare_rate, 1),
            "ratio": round(plania_rate / bare_rate, 3),
        }
    deepest = max(chains, key=lambda c: len(chains[c]))
    print(
        json.dumps(
            {
                "workers": args.workers,
                "envelope": deepest,
                **by_envelope[deepest],
                "by_envelope": by_envelope,
            }
        )
    )


if __name__ == "__main__":
    main()
