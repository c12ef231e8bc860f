"""How fast can PlanIA commit on one hot envelope, against what PostgreSQL can do at best?

Usage: uv run python bench/ledger_contention.py [--workers 16] [--seconds 5] [--rounds 3]

Every commitment on an envelope locks the envelope's root row, so commitments on one budget
line are serialised (that is what keeps committed <= allocated). The fair yardstick is
therefore the same serialisation with nothing else around it: a bare
`BEGIN; UPDATE bench_counter SET n = n + 1 WHERE id = 1; COMMIT` loop on one row, with
the same number of workers, on the same database. The ratio of the two rates says how
much PlanIA adds to the lock's critical section.

PostgreSQL comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). That
database is only used to (re)create a scratch database, `plania_bench`, which is dropped
and created afresh, migrated with Django's `migrate`, and used for both phases: nothing in
the DATABASE_URL database is written. Workers are separate processes (each runs
django.setup()), so the Python side is not serialised by one GIL.

The phases alternate for --rounds rounds (PlanIA on a fresh envelope each round) and each
rate is the median of its rounds: on a small shared machine one 5 s run varies by 20%.
The last line printed is one JSON object:
{"workers", "plania_commits_per_s", "bare_updates_per_s", "ratio"}.
"""

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"
SCRATCH_DB = "plania_bench"
BUDGET_YEAR = 2025
# Far above what any run can commit at 1.00 EUR a time, so that no commitment is refused
# and both phases measure the same thing: one accepted write per transaction.
ALLOCATION = Decimal("900000000000.00")
COMMIT_AMOUNT = Decimal("1.00")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


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


def setup_django(url: str) -> None:
    # Settings read DATABASE_URL at import time: set it before django.setup().
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "plania.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(url: str, rounds: int) -> list[int]:
    """Migrate the scratch database, create the counter and one envelope per round.

    A fresh envelope per round, so that every PlanIA round starts from the same ledger
    (a commitment sums the entries of its envelope's tree, which grow during a round).
    """
    setup_django(url)
    from datetime import date

    from django.core.management import call_command
    from django.db import connection

    from plania.ledger.services import ledger_allocate
    from plania.plans.enums import PlanKind
    from plania.plans.models import Axis, Envelope, Plan, Source

    call_command("migrate", verbosity=0, interactive=False)
    source = Source.objects.create(key="bench", title="Benchmark")
    plan = Plan.objects.create(
        code="bench",
        kind=PlanKind.PLAN,
        name_fr="Banc d'essai",
        name_en="Benchmark",
        region="Bench",
        start_date=date(2025, 1, 1),
        end_date=date(2026, 1, 1),
        budget=ALLOCATION,
        budget_source=source,
    )
    axis = Axis.objects.create(
        plan=plan,
        number=1,
        code="bench",
        name_fr="Axe",
        name_en="Axis",
        budget=ALLOCATION,
        budget_source=source,
    )
    envelopes = []
    for number in range(rounds):
        root = Envelope.objects.create(
            plan=plan,
            axis=axis,
            code=f"bench-{number}",
            name_fr=f"Enveloppe {number}",
            name_en=f"Envelope {number}",
        )
        # A sub-envelope with entries, as in a real plan: the commit path reads the tree.
        child = Envelope.objects.create(
            plan=plan,
            axis=axis,
            parent=root,
            code=f"bench-{number}-line",
            name_fr="Ligne",
            name_en="Line",
        )
        for target in (root, child):
            ledger_allocate(
                envelope=target,
                amount=ALLOCATION,
                budget_year=BUDGET_YEAR,
                on=date(2025, 1, 2),
                reference="BENCH",
                reason="Benchmark allocation",
                actor_label="bench/ledger_contention.py",
            )
        envelopes.append(root.pk)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_counter (id integer PRIMARY KEY, n bigint NOT NULL)")
        cursor.execute("INSERT INTO bench_counter VALUES (1, 0)")
    connection.close()
    return envelopes


def plania_worker(
    url: str, envelope_id: int, seconds: float, barrier: Barrier, results: Any
) -> None:
    setup_django(url)
    from datetime import date

    from django.db import connection

    from plania.ledger.services import ledger_commit
    from plania.plans.models import Envelope

    envelope = Envelope.objects.get(pk=envelope_id)
    done, errors = 0, []

    def one() -> None:
        ledger_commit(
            envelope=envelope,
            amount=COMMIT_AMOUNT,
            budget_year=BUDGET_YEAR,
            on=date(2025, 6, 1),
            reference="BENCH-COMMIT",
            reason="Benchmark commitment",
            actor_label="bench/ledger_contention.py",
        )

    one()  # warm up: open the connection before the clock starts
    barrier.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        try:
            one()
        except Exception as exc:  # reported, never hidden: any error spoils the figure
            errors.append(repr(exc))
            break
        done += 1
    connection.close()
    results.put(("plania", done, 1, errors))


def bare_worker(url: str, seconds: float, barrier: Barrier, results: Any) -> None:
    import psycopg

    done, errors = 0, []
    with psycopg.connect(url) as conn:  # autocommit off: BEGIN ... COMMIT, as Django does

        def one() -> None:
            conn.execute("UPDATE bench_counter SET n = n + 1 WHERE id = 1")
            conn.commit()

        one()
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            try:
                one()
            except Exception as exc:
                errors.append(repr(exc))
                break
            done += 1
    results.put(("bare", done, 1, errors))


def run_phase(ctx: Any, target: Any, args: tuple[Any, ...], workers: int, seconds: float) -> int:
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(*args, seconds, barrier, results)) for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120 + seconds) for _ in procs]
    for proc in procs:
        proc.join()
    errors = [e for outcome in outcomes for e in outcome[3]]
    if errors:
        raise SystemExit(f"{len(errors)} worker error(s), first: {errors[0]}")
    return sum(outcome[1] for outcome in outcomes)


def check(url: str, envelope_ids: list[int], commits: int, updates: int, workers: int) -> None:
    """The figures are only worth something if every write counted really happened."""
    import psycopg

    with psycopg.connect(url) as conn:
        (entries,) = conn.execute(
            "SELECT count(*) FROM ledger_ledgerentry WHERE envelope_id = ANY(%s) AND kind = %s",
            (envelope_ids, "commitment"),
        ).fetchone()  # type: ignore[misc]
        (counter,) = conn.execute("SELECT n FROM bench_counter WHERE id = 1").fetchone()  # type: ignore[misc]
    # Each worker made one warm-up write per round before the clock started.
    warmups = workers * len(envelope_ids)
    assert entries == commits + warmups, (entries, commits, warmups)
    assert counter == updates + warmups, (counter, updates, warmups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase and round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of (PlanIA, bare) phases; each rate is the median over the rounds",
    )
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL, not {base_url!r}")
    # Production runs with DEBUG off; with it on, Django also logs every query it runs.
    os.environ.setdefault("PLANIA_DEBUG", "0")
    url = with_database(base_url, SCRATCH_DB)
    recreate_scratch_database(base_url, SCRATCH_DB)
    envelope_ids = prepare(url, args.rounds)
    print(f"scratch database {SCRATCH_DB} migrated; envelopes {envelope_ids} allocated")
    print(
        f"{args.workers} worker processes, {args.seconds:g} s per phase, {args.rounds} round(s)"
        f", PLANIA_DEBUG={os.environ['PLANIA_DEBUG']}"
    )

    # Processes are spawned, not forked: each starts clean and runs django.setup() itself.
    # Phases alternate, so that a slow moment of the machine does not hit only one side.
    ctx = mp.get_context("spawn")
    plania_rates, bare_rates = [], []
    total_commits = total_updates = 0
    for number, envelope_id in enumerate(envelope_ids, start=1):
        commits = run_phase(ctx, plania_worker, (url, envelope_id), args.workers, args.seconds)
        updates = run_phase(ctx, bare_worker, (url,), args.workers, args.seconds)
        total_commits += commits
        total_updates += updates
        plania_rates.append(commits / args.seconds)
        bare_rates.append(updates / args.seconds)
        print(
            f"round {number}: PlanIA ledger_commit {plania_rates[-1]:.0f}/s, "
            f"bare single-row UPDATE {bare_rates[-1]:.0f}/s, "
            f"ratio {plania_rates[-1] / bare_rates[-1]:.3f}"
        )
    check(url, envelope_ids, total_commits, total_updates, args.workers)
    print("checked: every counted commitment and update is in the database")

    plania_rate = statistics.median(plania_rates)
    bare_rate = statistics.median(bare_rates)
    print(
        json.dumps(
            {
                "workers": args.workers,
                "plania_commits_per_s": round(plania_rate, 1),
                "bare_updates_per_s": round(bare_rate, 1),
                "ratio": round(plania_rate / bare_rate, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
