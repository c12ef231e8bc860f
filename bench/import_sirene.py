"""Benchmark of `plania import_sirene` on a generated 1,000,000-row StockUniteLegale file.

    DATABASE_URL=postgres://... uv run python bench/import_sirene.py

What it does:
1. writes two StockUniteLegale files in INSEE's format (zip holding the UTF-8 CSV, as
   INSEE publishes it; seeded, valid SIRENs): 100,000 rows and 1,000,000 rows;
2. creates a scratch PostgreSQL database named after DATABASE_URL's (default
   PlanIA's embedded server, only used to create it), `<name>_sirene_bench`,
   migrates it, and for each file, with the SIRENE tables emptied, runs the import
   command (`import_sirene`, the code `plania import_sirene FILE` runs) in a subprocess
   of its own, so that generating the file and migrating do not count; it reads that
   process's peak RSS (resource.getrusage(RUSAGE_SELF).ru_maxrss), the command's time,
   and the process's whole time (Django's start included, as a user running the command
   waits for it); the scratch database is dropped at the end;
3. prints a line per run, and as its LAST line one JSON object:
   {"rows", "seconds", "rows_per_s", "process_s", "peak_rss_mb", "skipped",
   "peak_rss_mb_100k", ...}.

Memory is bounded if the peak at 1M rows is about the peak at 100k rows: the import
holds one batch (5,000 rows) at a time, whatever the file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ledger_contention import (  # noqa: E402
    default_url,
    drop_scratch_database,
    recreate_scratch_database,
    scratch_name,
    with_database,
)
from plania.companies.sirene import generate_sample  # noqa: E402

# Runs in the measured process: Django set-up, then the command, then its own peak RSS.
CHILD = r"""
import io, json, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection

path = sys.argv[1]
with connection.cursor() as cursor:
    cursor.execute("TRUNCATE companies_sireneunit, companies_sireneestablishment")
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out, err = io.StringIO(), io.StringIO()
started = time.perf_counter()
call_command("import_sirene", path, "--json", "--no-progress", "--show", "5",
             stdout=out, stderr=err)
seconds = time.perf_counter() - started
summary = json.loads(out.getvalue().strip().splitlines()[-1])["units"]
print(json.dumps({
    "seconds": seconds,
    "rss_before_import_mb": rss_before,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "summary": summary,
}))
"""


def _env(database_url: str, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "plania.settings"
    env["PLANIA_DEBUG"] = "0"
    env["PLANIA_VAR_DIR"] = str(tmp)
    env["DATABASE_URL"] = database_url
    return env


def run(path: Path, rows: int, *, database_url: str, tmp: Path) -> dict:
    env = _env(database_url, tmp)
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if child.returncode:
        raise SystemExit(f"the import process failed:\n{child.stderr[-4000:]}")
    process_s = time.perf_counter() - started
    result = json.loads(child.stdout.strip().splitlines()[-1])
    summary = result["summary"]
    assert summary["read"] == rows, summary
    return {
        "rows": summary["read"],
        "seconds": round(result["seconds"], 2),
        "rows_per_s": round(summary["read"] / result["seconds"]),
        "process_s": round(process_s, 2),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "rss_before_import_mb": round(result["rss_before_import_mb"], 1),
        "inserted": summary["inserted"],
        "skipped": summary["skipped"],
    }


def migrate(database_url: str, tmp: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "plania", "migrate", "--noinput", "-v", "0"],
        env=_env(database_url, tmp),
        cwd=ROOT,
        check=True,
    )


def measure(args: argparse.Namespace, suffix: str, database_url: str, tmp: Path) -> dict:
    migrate(database_url, tmp)
    results = {}
    for rows in (args.small, args.rows):
        path = tmp / f"StockUniteLegale-{rows}{suffix}"
        started = time.perf_counter()
        generate_sample(units=rows, out=path, seed=args.seed, use_zip=not args.csv)
        print(
            f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s "
            f"({path.stat().st_size / 1e6:.1f} MB)",
            flush=True,
        )
        results[rows] = run(path, rows, database_url=database_url, tmp=tmp)
        r = results[rows]
        print(
            f"imported {r['rows']:,} rows in {r['seconds']} s ({r['rows_per_s']:,} rows/s; "
            f"the process, Django's start included: {r['process_s']} s), "
            f"peak RSS {r['peak_rss_mb']} MB (after Django set-up: "
            f"{r['rss_before_import_mb']} MB), skipped {r['skipped']}",
            flush=True,
        )
        path.unlink()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--csv", action="store_true", help="plain CSV instead of a zip")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL") or default_url()
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL, not {base_url!r}")
    scratch = scratch_name(base_url, "sirene")
    recreate_scratch_database(base_url, scratch)
    suffix = ".csv" if args.csv else ".zip"
    with tempfile.TemporaryDirectory(prefix="plania-bench-sirene-") as tmp_name:
        try:
            results = measure(args, suffix, with_database(base_url, scratch), Path(tmp_name))
        finally:
            drop_scratch_database(base_url, scratch)
    big, small = results[args.rows], results[args.small]
    print(
        json.dumps(
            {
                "rows": big["rows"],
                "seconds": big["seconds"],
                "rows_per_s": big["rows_per_s"],
                "process_s": big["process_s"],
                "peak_rss_mb": big["peak_rss_mb"],
                "skipped": big["skipped"],
                "peak_rss_mb_100k": small["peak_rss_mb"],
                "rows_per_s_100k": small["rows_per_s"],
                "small_rows": small["rows"],
                "rss_before_import_mb": big["rss_before_import_mb"],
                "database": "postgresql",
                "file": "csv" if args.csv else "zip",
            }
        )
    )


if __name__ == "__main__":
    main()
