"""Benchmark of `plania import_sirene` on a generated 1,000,000-row StockUniteLegale file.

    uv run python bench/import_sirene.py                 # scratch SQLite in a temp dir
    DATABASE_URL=postgres://... uv run python bench/import_sirene.py   # a scratch PostgreSQL

What it does:
1. writes two StockUniteLegale files in INSEE's format (zip holding the UTF-8 CSV, as
   INSEE publishes it; seeded, valid SIRENs): 100,000 rows and 1,000,000 rows;
2. for each, on a fresh database (a new SQLite file; on PostgreSQL, the SIRENE tables
   emptied), runs the import command in a subprocess of its own, so that generating the
   file and migrating do not count, and reads that process's peak RSS
   (resource.getrusage(RUSAGE_SELF).ru_maxrss) and its import time;
3. prints a line per run, and as its LAST line one JSON object:
   {"rows", "seconds", "rows_per_s", "peak_rss_mb", "skipped", "peak_rss_mb_100k", ...}.

Memory is bounded if the peak at 1M rows is about the peak at 100k rows: the import
holds one batch (5,000 rows) at a time, whatever the file's size.

With DATABASE_URL, the database is migrated and its SIRENE tables are TRUNCATEd: point it
at a scratch database, never at one whose store you want to keep.
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

from plania.companies.sirene import generate_sample  # noqa: E402

# Runs in the measured process: Django set-up, then the command, then its own peak RSS.
CHILD = r"""
import io, json, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection

path, truncate = sys.argv[1], sys.argv[2] == "1"
if truncate:
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


def _env(database_url: str | None, tmp: Path, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "plania.settings"
    env["PLANIA_DEBUG"] = "0"
    env["PLANIA_VAR_DIR"] = str(tmp)
    env["DATABASE_URL"] = database_url or f"sqlite:///{tmp / (name + '.sqlite3')}"
    return env


def run(path: Path, rows: int, *, database_url: str | None, tmp: Path) -> dict:
    env = _env(database_url, tmp, f"bench-{rows}")
    subprocess.run(
        [sys.executable, "-m", "plania", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), "1" if database_url else "0"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    summary = result["summary"]
    assert summary["read"] == rows, summary
    return {
        "rows": summary["read"],
        "seconds": round(result["seconds"], 2),
        "rows_per_s": round(summary["read"] / result["seconds"]),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "rss_before_import_mb": round(result["rss_before_import_mb"], 1),
        "inserted": summary["inserted"],
        "skipped": summary["skipped"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--csv", action="store_true", help="plain CSV instead of a zip")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or None
    suffix = ".csv" if args.csv else ".zip"
    with tempfile.TemporaryDirectory(prefix="plania-bench-sirene-") as tmp_name:
        tmp = Path(tmp_name)
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
                f"imported {r['rows']:,} rows in {r['seconds']} s ({r['rows_per_s']:,} rows/s), "
                f"peak RSS {r['peak_rss_mb']} MB (after Django set-up: "
                f"{r['rss_before_import_mb']} MB), skipped {r['skipped']}",
                flush=True,
            )
        big, small = results[args.rows], results[args.small]
        print(
            json.dumps(
                {
                    "rows": big["rows"],
                    "seconds": big["seconds"],
                    "rows_per_s": big["rows_per_s"],
                    "peak_rss_mb": big["peak_rss_mb"],
                    "skipped": big["skipped"],
                    "peak_rss_mb_100k": small["peak_rss_mb"],
                    "rows_per_s_100k": small["rows_per_s"],
                    "small_rows": small["rows"],
                    "rss_before_import_mb": big["rss_before_import_mb"],
                    "database": "postgresql" if database_url else "sqlite",
                    "file": "csv" if args.csv else "zip",
                }
            )
        )


if __name__ == "__main__":
    main()
