"""Benchmark of the rules core's simulation (issue 3 acceptance; issue 12 item 7).

Generates 1,000,000 seeded applications into a CSV file, then times, in one run:

- `vectorised_s`: PlanIA's vectorised evaluation (`plania.rules.vector`) of the
  startup scheme, criteria interpreted from the scheme file, on its input table;
- `numpy_s`: the same computation written directly in numpy, independently of the
  engine: its own input arrays (built from the typed frame by its own code), thresholds,
  reference rate and discount factors written here, no `plania.rules` helper. Checked to
  give identical arrays, so identical to the cent;
- `per_row_s`: the scalar path (`plania.rules.award.compute_award`) on a sample, scaled
  to n;
- `csv_read_s`: a bare `polars.read_csv` of the same file (no checks, no typing beyond
  polars' own inference): the floor for anything that reads it;
- `simulate_cli_s`: `plania simulate` as people run it: the console script in a new
  process on the same file (start-up, imports, reading and checking, evaluation, sums,
  printing), end to end.

`csv_read_s` and `simulate_cli_s` are measured in turn (read, command, read, command...)
so that a change in the machine's load touches both; every figure is a median. The goals
(issue 12): `vs_numpy` <= 1.5 and `cli_vs_read_plus_vectorised` =
simulate_cli_s / (csv_read_s + vectorised_s) <= 2.

The last line printed is one JSON object. Usage: `uv run python bench/rules_simulation.py
[--n N] [--sample S] [--runs R] [--no-cli]`.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl

from plania.rules.award import AwardContext, compute_award
from plania.rules.schemes import find_scheme
from plania.rules.simulate import read_applications, synthetic_applications
from plania.rules.vector import VectorResult, VectorRules, table_from_polars

SCHEME = "startup-industrie-demain"
AT = date(2025, 6, 1)
SEED = 2025
GOAL_VS_NUMPY = 1.5
GOAL_CLI = 2.0

T = TypeVar("T")


def median_of(fn: Callable[[], T], repeat: int = 5) -> tuple[float, T]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    assert out is not None
    return statistics.median(times), out


# --- The baseline: the startup scheme on AT, written by hand. ---

OCCITANIE = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")
# Reference rate (Communication 2008/C 14/02): EU base rate 3.00 % + 220 basis points for
# a "satisfactory" rating with "normal" collateral: the scheme's values on AT.
REFERENCE_RATE = 0.03 + 0.0220
DEFERRAL, INSTALMENTS, PER_YEAR = 8, 20, 4  # quarterly, after a deferral of 8 quarters
DE_MINIMIS_CEILING_CENTS = 300_000 * 100  # Regulation (EU) 2023/2831, art. 3(2)


def baseline_inputs(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """The baseline's own arrays (not timed, like the engine's table): dates as yyyymmdd
    integers, amounts in cents, flags, a boolean 'in Occitanie', each with its missing mask.
    """
    out: dict[str, np.ndarray] = {}
    for c in ("creation_date", "application_date"):
        d = frame[c]
        # Each part widened first: polars gives months and days as Int8.
        y, m, day = (part.cast(pl.Int64) for part in (d.dt.year(), d.dt.month(), d.dt.day()))
        key = y * 10000 + m * 100 + day
        out[c] = key.fill_null(0).to_numpy()
        out[c + "?"] = d.is_null().to_numpy()
    for c in ("headcount", "turnover_eur", "balance_sheet_eur", "eligible_cost_eur"):
        out[c] = frame[c].fill_null(0).to_numpy() * (100 if c.endswith("_eur") else 1)
        out[c + "?"] = frame[c].is_null().to_numpy()
    for c in ("requested_eur", "prior_de_minimis_eur"):
        out[c] = frame[c].fill_null(0).to_numpy() * 100
        out[c + "?"] = frame[c].is_null().to_numpy()
    for c in ("deep_tech", "lab_collaboration"):
        out[c] = frame[c].fill_null(False).to_numpy()
        out[c + "?"] = frame[c].is_null().to_numpy()
    dep = frame["department"]
    out["occitanie"] = dep.is_in(OCCITANIE).fill_null(False).to_numpy()
    out["occitanie?"] = dep.is_null().to_numpy()
    return out


def hand_written_numpy(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The startup scheme's rules on AT, in numpy, nothing from the engine.

    Verdicts fail=0, unknown=1, pass=2; "all of" is the minimum, "any of" the maximum.
    Eligible: age < 8 years, in Occitanie, SME (headcount < 250 and (turnover <= 50M or
    balance sheet <= 43M)), deep tech, lab collaboration, cost > 0, request > 0. Award:
    aid = min(request, 200k, cost) rounded down to the euro; grant = min(aid, 50k);
    advance = the rest, its GGE discounted at the reference rate. Basis: GBER art. 22 when
    small (< 50 people, turnover or balance sheet <= 10M) and younger than 5 years, else
    de minimis against the ceiling. Fundable: eligible and (GBER or within the ceiling).
    """

    def verdict(cond: np.ndarray, missing: np.ndarray) -> np.ndarray:
        out = cond.view(np.int8) * np.int8(2)
        out[missing] = 1
        return out

    born, filed = a["creation_date"], a["application_date"]
    dates_missing = a["creation_date?"] | a["application_date?"]
    # Full years between two yyyymmdd dates: (filed - born) // 10000.
    age = filed - born
    hc, to, bs = a["headcount"], a["turnover_eur"], a["balance_sheet_eur"]
    cost, req = a["eligible_cost_eur"], a["requested_eur"]
    eligible = np.minimum.reduce(
        [
            verdict(age < 8 * 10000, dates_missing),
            verdict(a["occitanie"], a["occitanie?"]),
            np.minimum(
                verdict(hc < 250, a["headcount?"]),
                np.maximum(
                    verdict(to <= 50_000_000 * 100, a["turnover_eur?"]),
                    verdict(bs <= 43_000_000 * 100, a["balance_sheet_eur?"]),
                ),
            ),
            verdict(a["deep_tech"], a["deep_tech?"]),
            verdict(a["lab_collaboration"], a["lab_collaboration?"]),
            verdict(cost > 0, a["eligible_cost_eur?"]),
            verdict(req > 0, a["requested_eur?"]),
        ]
    )
    computed = eligible == 2
    aid = np.where(computed, np.minimum(np.minimum(req, 200_000 * 100), cost) // 100 * 100, 0)
    grant = np.minimum(aid, 50_000 * 100)
    advance = aid - grant
    # GGE of the advance: equal quarterly instalments in cents (the first `rest` carry one
    # more cent), each discounted at 1 / (1 + r) ** (t in years), summed in order in
    # float64, rounded half up to the cent; the aid is the principal minus that value.
    factors = [1.0 / (1.0 + REFERENCE_RATE) ** (q / PER_YEAR) for q in range(9, 29)]
    assert len(factors) == INSTALMENTS and DEFERRAL == 8
    with_advance = np.flatnonzero(advance > 0)  # only those rows have anything to discount
    principal = advance[with_advance]
    base, rest = np.divmod(principal, INSTALMENTS)
    base_f = base.astype(np.float64)
    pv = np.zeros(principal.size)
    for i, f in enumerate(factors):
        pv = pv + (base_f + (rest > i)) * f
    whole = np.floor(pv)
    pv_cents = whole.astype(np.int64) + (pv - whole >= 0.5)
    adv_gge = np.zeros(advance.size, dtype=np.int64)
    adv_gge[with_advance] = np.maximum(0, principal - pv_cents)
    total = grant + adv_gge
    small = np.minimum(
        np.minimum(verdict(age < 5 * 10000, dates_missing), verdict(hc < 50, a["headcount?"])),
        np.maximum(
            verdict(to <= 10_000_000 * 100, a["turnover_eur?"]),
            verdict(bs <= 10_000_000 * 100, a["balance_sheet_eur?"]),
        ),
    )
    basis = np.where(computed, np.where(small == 2, 1, 0), -1).astype(np.int8)
    prior = a["prior_de_minimis_eur"]
    known = computed & ~a["prior_de_minimis_eur?"]
    cumul = prior + total
    fits = cumul <= DE_MINIMIS_CEILING_CENTS
    dm = np.where(known, np.where(fits, 2, 0), np.where(computed, 1, -1)).astype(np.int8)
    return {
        "eligible": eligible,
        "aid_cents": aid,
        "grant_cents": grant,
        "advance_cents": advance,
        "advance_gge_cents": adv_gge,
        "total_gge_cents": total,
        "legal_basis": basis,
        "de_minimis": dm,
        "headroom_before_cents": np.where(
            known, np.maximum(0, DE_MINIMIS_CEILING_CENTS - prior), 0
        ),
        "headroom_after_cents": np.where(known, np.maximum(0, DE_MINIMIS_CEILING_CENTS - cumul), 0),
        "excess_cents": np.where(known & ~fits, cumul - DE_MINIMIS_CEILING_CENTS, 0),
        "fundable": computed & ((basis == 1) | (dm == 2)),
    }


def check_same(vec: VectorResult, hand: dict[str, np.ndarray]) -> None:
    for name, arr in hand.items():
        if not np.array_equal(getattr(vec, name), arr):
            raise SystemExit(f"hand-written numpy and PlanIA disagree on {name}")


# --- The command as people run it. ---


def run_cli(csv: Path) -> dict[str, Any]:
    plania = Path(sys.executable).parent / "plania"
    cmd = [str(plania), "simulate", SCHEME, "--at", AT.isoformat()]
    cmd += ["--applications", str(csv), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each timed step")
    parser.add_argument("--no-cli", action="store_true")
    args = parser.parse_args()
    n = args.n

    scheme = find_scheme(SCHEME, AT)
    ctx = AwardContext.build(scheme, AT)
    if float(ctx.reference_rate) != REFERENCE_RATE:
        raise SystemExit(f"the scheme's reference rate is {ctx.reference_rate}, not the bench's")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "applications.csv"
        t0 = time.perf_counter()
        synthetic_applications(n, seed=SEED).write_csv(csv)
        print(f"generated {n} applications in {time.perf_counter() - t0:.2f}s", file=sys.stderr)
        apps = read_applications(csv)
        table = table_from_polars(apps.frame)
        inputs = baseline_inputs(apps.frame)

        vectorised_s, vec = median_of(lambda: VectorRules.build(ctx).evaluate(table), args.runs)
        numpy_s, hand = median_of(lambda: hand_written_numpy(inputs), args.runs)
        check_same(vec, hand)

        # Scalar path on a sample of rows, the same rows as the vector path saw.
        sample = apps.frame.head(min(args.sample, n)).to_dicts()
        t0 = time.perf_counter()
        for rec in sample:
            compute_award(rec, ctx)
        per_row_s = (time.perf_counter() - t0) * n / len(sample)

        reads: list[float] = []
        clis: list[float] = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            pl.read_csv(csv)
            reads.append(time.perf_counter() - t0)
            if args.no_cli:
                continue
            t0 = time.perf_counter()
            cli = run_cli(csv)
            clis.append(time.perf_counter() - t0)
            if cli["n"] != n or cli["n_fundable"] != int(vec.fundable.sum()):
                raise SystemExit("plania simulate and the vector path disagree")
            grant = int(np.where(vec.fundable, vec.grant_cents, 0).sum())
            if round(cli["total_grant_eur"] * 100) != grant:
                raise SystemExit("plania simulate and the vector path disagree on the grants")
        csv_read_s = statistics.median(reads)
        simulate_cli_s = statistics.median(clis) if clis else None

    vs_numpy = vectorised_s / numpy_s
    cli_ratio = simulate_cli_s / (csv_read_s + vectorised_s) if simulate_cli_s else None
    result = {
        "n": n,
        "vectorised_s": round(vectorised_s, 4),
        "numpy_s": round(numpy_s, 4),
        "per_row_s": round(per_row_s, 2),
        "csv_read_s": round(csv_read_s, 3),
        "simulate_cli_s": round(simulate_cli_s, 3) if simulate_cli_s else None,
        "vs_numpy": round(vs_numpy, 3),
        "speedup_vs_per_row": round(per_row_s / vectorised_s, 1),
        "cli_vs_read_plus_vectorised": round(cli_ratio, 2) if cli_ratio else None,
        "goal_vs_numpy": GOAL_VS_NUMPY,
        "goal_cli_vs_read_plus_vectorised": GOAL_CLI,
        "goals_met": vs_numpy <= GOAL_VS_NUMPY and (cli_ratio is None or cli_ratio <= GOAL_CLI),
        "runs": args.runs,
        "per_row_sample": len(sample),
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "numpy": np.__version__,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
