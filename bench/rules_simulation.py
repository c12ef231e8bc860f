"""Benchmark of the rules core's simulation (issue 3, acceptance).

Generates 1,000,000 seeded applications, then times:

- `vectorised_s`: PlanIA's vectorised evaluation (`plania.rules.vector`) of the
  startup scheme, criteria interpreted from the scheme file;
- `numpy_s`: a hand-written numpy version of the same arithmetic (thresholds written in
  the code, no rules engine), checked to give identical arrays;
- `per_row_s`: the scalar path (`plania.rules.award.compute_award`) on a sample, scaled
  to n;
- `simulate_cli_s`: `plania simulate` end to end on the 1M-row CSV (process start, CSV
  reading, evaluation, summary), as a subprocess.

The last line printed is one JSON object. Usage: `uv run python bench/rules_simulation.py
[--n N] [--sample S]`.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from plania.rules import gge
from plania.rules.award import AwardContext, compute_award
from plania.rules.schemes import find_scheme
from plania.rules.simulate import read_applications, synthetic_applications
from plania.rules.vector import Table, VectorResult, VectorRules, table_from_polars

SCHEME = "startup-industrie-demain"
AT = date(2025, 6, 1)
SEED = 2025


def best_of(fn: Any, repeat: int = 5) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def hand_written_numpy(t: Table, ctx: AwardContext) -> dict[str, np.ndarray]:
    """The startup scheme's rules written directly in numpy (what the engine must match).

    Thresholds are the scheme's values on AT, written out: age < 8, Occitanie, SME
    (headcount < 250 and (turnover <= 50M or balance sheet <= 43M)), deep tech, lab,
    cost > 0, request > 0; aid = floor_euro(min(request, 200k, cost)); grant <= 50k.
    """
    c = t.columns
    unk, ok = np.int8(1), np.int8(2)

    def v(cond: np.ndarray, missing: np.ndarray) -> np.ndarray:
        out = cond.view(np.int8) * ok  # pass = 2, fail = 0
        out[missing] = unk
        return out

    born, on = c["creation_date"], c["application_date"]
    age = v(on.values - born.values < 80000, born.missing | on.missing)
    dep = c["department"]
    occ = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}
    lookup = np.array([x in occ for x in dep.categories] + [False])
    occitanie = v(lookup[dep.values], dep.missing)
    hc, to, bs = c["headcount"], c["turnover_eur"], c["balance_sheet_eur"]
    sme = np.minimum(
        v(hc.values < 250, hc.missing),
        np.maximum(
            v(to.values <= 5_000_000_000, to.missing), v(bs.values <= 4_300_000_000, bs.missing)
        ),
    )
    deep = v(c["deep_tech"].values, c["deep_tech"].missing)
    lab = v(c["lab_collaboration"].values, c["lab_collaboration"].missing)
    cost, req = c["eligible_cost_eur"], c["requested_eur"]
    cost_ok = v(cost.values > 0, cost.missing)
    req_ok = v(req.values > 0, req.missing)
    eligible = np.minimum.reduce([age, occitanie, sme, deep, lab, cost_ok, req_ok])
    computed = eligible == 2
    aid = np.minimum(np.minimum(req.values, 20_000_000), cost.values) // 100 * 100
    aid = np.where(computed, aid, 0)
    grant = np.minimum(aid, 5_000_000)
    advance = aid - grant
    # GGE: gge.py's docstring, steps 1-4, with its own float factors.
    factors = gge.gge_discount_factors(
        deferral_periods=8,
        n_instalments=20,
        periods_per_year=4,
        annual_rate=ctx.reference_rate,
        compounding="annual",
    )
    adv_gge = np.zeros(t.n, dtype=np.int64)
    idx = np.flatnonzero(advance > 0)
    p = advance[idx]
    base, rem = np.divmod(p, 20)
    base_f = base.astype(np.float64)
    pv = np.zeros(idx.size)
    for i, f in enumerate(factors):
        pv = pv + (base_f + (rem > i)) * f
    fl = np.floor(pv)
    adv_gge[idx] = np.maximum(0, p - (fl.astype(np.int64) + (pv - fl >= 0.5)))
    total = grant + adv_gge
    gber = np.minimum(
        np.minimum(
            v(on.values - born.values < 50000, born.missing | on.missing),
            v(hc.values < 50, hc.missing),
        ),
        np.maximum(
            v(to.values <= 1_000_000_000, to.missing), v(bs.values <= 1_000_000_000, bs.missing)
        ),
    )
    basis = np.where(computed, np.where(gber == 2, 1, 0), -1).astype(np.int8)
    prior = c["prior_de_minimis_eur"]
    ceiling = 30_000_000
    known = computed & ~prior.missing
    cumul = prior.values + total
    fits = cumul <= ceiling
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
        "headroom_before_cents": np.where(known, np.maximum(0, ceiling - prior.values), 0),
        "headroom_after_cents": np.where(known, np.maximum(0, ceiling - cumul), 0),
        "excess_cents": np.where(known & ~fits, cumul - ceiling, 0),
        "fundable": computed & ((basis == 1) | (dm == 2)),
    }


def check_same(vec: VectorResult, hand: dict[str, np.ndarray]) -> None:
    for name, arr in hand.items():
        if not np.array_equal(getattr(vec, name), arr):
            raise SystemExit(f"hand-written numpy and PlanIA disagree on {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--no-cli", action="store_true")
    args = parser.parse_args()
    n = args.n

    scheme = find_scheme(SCHEME, AT)
    ctx = AwardContext.build(scheme, AT)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "applications.csv"
        t0 = time.perf_counter()
        synthetic_applications(n, seed=SEED).write_csv(csv)
        print(f"generated {n} applications in {time.perf_counter() - t0:.2f}s", file=sys.stderr)
        apps = read_applications(csv)
        table = table_from_polars(apps.frame)

        rules = VectorRules.build(ctx)
        vectorised_s, vec = best_of(lambda: VectorRules.build(ctx).evaluate(table))
        numpy_s, hand = best_of(lambda: hand_written_numpy(table, ctx))
        check_same(vec, hand)
        del rules

        # Scalar path on a sample of rows, the same rows as the vector path saw.
        sample = apps.frame.head(min(args.sample, n)).to_dicts()
        t0 = time.perf_counter()
        for rec in sample:
            compute_award(rec, ctx)
        per_row_s = (time.perf_counter() - t0) * n / len(sample)

        simulate_cli_s = None
        if not args.no_cli:
            plania = Path(sys.executable).parent / "plania"
            cmd = [str(plania), "simulate", SCHEME, "--at", AT.isoformat()]
            cmd += ["--applications", str(csv), "--json"]
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            simulate_cli_s = time.perf_counter() - t0
            cli = json.loads(done.stdout.strip().splitlines()[-1])
            if cli["n_fundable"] != int(vec.fundable.sum()):
                raise SystemExit("plania simulate and the vector path disagree")

    result = {
        "n": n,
        "vectorised_s": round(vectorised_s, 4),
        "per_row_s": round(per_row_s, 2),
        "numpy_s": round(numpy_s, 4),
        "vs_numpy": round(vectorised_s / numpy_s, 3),
        "speedup_vs_per_row": round(per_row_s / vectorised_s, 1),
        "simulate_cli_s": round(simulate_cli_s, 3) if simulate_cli_s is not None else None,
        "per_row_sample": len(sample),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
