"""What-if simulation of a scheme version over a table of applications (issue 3 item 9).

Reads the applications CSV (columns in `COLUMNS`, extra columns ignored) with polars,
refuses bad rows one by one with (row, column, value) while keeping the others, evaluates
the rules with the vectorised path (`plania.rules.vector`) by chunks (progress bar on large
files), and sums up: counts, grant, advance and grant-equivalent totals of the fundable
applications, budget needed against the envelope, and the same by département.

Totals are over *fundable* applications (eligible, and within the de minimis ceiling when
that is the legal basis): that is what the Region would commit. The per-application output
file carries every figure, so the totals are the sums of its rows where `fundable` is 1.
"""

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import numpy as np
import polars as pl

from plania.rules.award import AwardContext
from plania.rules.money import format_money, from_cents, to_cents
from plania.rules.params import ParameterError, parse_override
from plania.rules.schemes import Scheme, find_scheme
from plania.rules.simulate_input import (  # noqa: F401 (re-exported: the module's public names)
    COLUMNS,
    DATE_COLUMNS,
    FLAG_COLUMNS,
    INT_COLUMNS,
    MAX_AMOUNT_EUR,
    MAX_INPUT_BYTES,
    Applications,
    RowError,
    SimulationInputError,
    read_applications,
)
from plania.rules.vector import (
    BASIS_DE_MINIMIS,
    BASIS_GBER,
    DM_EXCEEDS,
    DM_FITS,
    DM_UNKNOWN,
    Table,
    VectorResult,
    VectorRules,
    table_from_polars,
)

# The rules run on a million rows in about a tenth of a second: a progress bar (and the
# chunks it counts, which cost a copy of every result to join) only from ten million.
PROGRESS_MIN_ROWS = 10_000_000
CHUNK_ROWS = 2_000_000


@dataclass(frozen=True)
class DepartmentTotals:
    department: str
    n: int
    n_eligible: int
    n_fundable: int
    grant_cents: int
    advance_cents: int
    total_gge_cents: int


@dataclass(frozen=True)
class Simulation:
    scheme: Scheme
    at: date
    ctx: AwardContext
    n: int
    n_eligible: int
    n_unknown: int
    n_fundable: int
    n_de_minimis_exceeded: int
    n_rejected_rows: int
    total_grant_cents: int
    total_advance_cents: int
    total_advance_gge_cents: int
    total_gge_cents: int
    envelope_cents: int
    by_department: list[DepartmentTotals]
    errors: list[RowError] = field(default_factory=list)
    per_row: pl.DataFrame | None = None
    result: VectorResult | None = None

    @property
    def budget_needed_cents(self) -> int:
        return self.total_grant_cents + self.total_advance_cents

    def summary_json(self) -> dict[str, Any]:
        def eur(cents: int) -> int | float:
            # Exact: whole euros as integers; otherwise the shortest float repr of a
            # two-decimal amount prints back the same two decimals.
            return cents // 100 if cents % 100 == 0 else float(from_cents(cents))

        p = self.ctx.params
        return {
            "n": self.n,
            "n_eligible": self.n_eligible,
            "n_fundable": self.n_fundable,
            "total_grant_eur": eur(self.total_grant_cents),
            "total_advance_eur": eur(self.total_advance_cents),
            "total_gge_eur": eur(self.total_gge_cents),
            "envelope_eur": eur(self.envelope_cents),
            "budget_needed_eur": eur(self.budget_needed_cents),
            "total_advance_gge_eur": eur(self.total_advance_gge_cents),
            "n_unknown": self.n_unknown,
            "n_de_minimis_exceeded": self.n_de_minimis_exceeded,
            "n_rejected_rows": self.n_rejected_rows,
            "scheme": self.scheme.id,
            "version": self.scheme.version,
            "at": self.at.isoformat(),
            "overrides": {n: str(r.value) for n, r in p.items() if r.overridden},
            "by_department": [
                {
                    "department": d.department,
                    "n": d.n,
                    "n_eligible": d.n_eligible,
                    "n_fundable": d.n_fundable,
                    "total_grant_eur": eur(d.grant_cents),
                    "total_advance_eur": eur(d.advance_cents),
                    "total_gge_eur": eur(d.total_gge_cents),
                }
                for d in self.by_department
            ],
        }

    def summary_lines(self) -> list[str]:
        def eur(cents: int) -> str:
            return format_money(from_cents(cents), "fr")

        s = self.scheme
        over = self.budget_needed_cents - self.envelope_cents
        fit = "dans l’enveloppe / within" if over <= 0 else f"DÉPASSEMENT / OVER by {eur(over)}"
        lines = [
            f"Dispositif / scheme: {s.id} (version {s.version}) — {s.title_fr}",
            f"Date d'évaluation / evaluation date: {self.at.isoformat()}",
            f"Dossiers / applications: {self.n}"
            + (
                f"  (lignes refusées / rejected rows: {self.n_rejected_rows})"
                if self.n_rejected_rows
                else ""
            ),
            f"Éligibles / eligible: {self.n_eligible}   "
            f"indéterminés / undetermined: {self.n_unknown}",
            f"Finançables / fundable: {self.n_fundable}   "
            f"plafond de minimis dépassé / de minimis exceeded: {self.n_de_minimis_exceeded}",
            f"Subventions / grants: {eur(self.total_grant_cents)}",
            f"Avances remboursables / repayable advances: {eur(self.total_advance_cents)}",
            f"ESB des avances / GGE of the advances: {eur(self.total_advance_gge_cents)}",
            f"Aide totale en ESB / total aid in GGE: {eur(self.total_gge_cents)}",
            f"Besoin budgétaire / budget needed: {eur(self.budget_needed_cents)} "
            f"sur une enveloppe de / against an envelope of {eur(self.envelope_cents)} "
            f"({fit})",
            "Par département / by département:",
        ]
        for d in self.by_department:
            lines.append(
                f"  {d.department:>4}  n={d.n}  éligibles/eligible={d.n_eligible}  "
                f"finançables/fundable={d.n_fundable}  subventions/grants={eur(d.grant_cents)}  "
                f"avances/advances={eur(d.advance_cents)}  ESB/GGE={eur(d.total_gge_cents)}"
            )
        marked = [r for r in self.ctx.params.values() if r.status != "set" or r.overridden]
        if marked:
            lines.append("Paramètres non définitifs / parameters not final:")
            for r in marked:
                mark = (
                    "surchargé / overridden"
                    if r.overridden
                    else {
                        "to_be_set_by_region": "à fixer par la Région / to be set by the Region",
                        "example": "exemple / example",
                    }.get(r.status, r.status)
                )
                lines.append(f"  {r.name} = {r.value}  [{mark}]")
        return lines


def _cents_text(expr: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", expr // 100, (expr % 100).cast(pl.String).str.zfill(2))


def _per_row_frame(ids: pl.Series, departments: pl.Series, r: VectorResult) -> pl.DataFrame:
    verdict = np.array(["fail", "unknown", "pass"])
    overall = np.array(["no", "unknown", "yes"])
    basis = {BASIS_GBER: "gber_art22", BASIS_DE_MINIMIS: "de_minimis"}
    dm = {DM_FITS: "fits", DM_EXCEEDS: "exceeds", DM_UNKNOWN: "unknown"}
    base = pl.DataFrame(
        {
            "application_id": ids,
            "department": departments,
            "eligible": overall[r.eligible],
            "fundable": r.fundable.astype(np.int8),
            "aid_cents": r.aid_cents,
            "grant_cents": r.grant_cents,
            "advance_cents": r.advance_cents,
            "advance_gge_cents": r.advance_gge_cents,
            "total_gge_cents": r.total_gge_cents,
            "legal_basis": r.legal_basis,
            "de_minimis": r.de_minimis,
            "hb": r.headroom_before_cents,
            "ha": r.headroom_after_cents,
            "ex": r.excess_cents,
            **{f"criterion_{cid}": verdict[codes] for cid, codes in r.criteria.items()},
        }
    )
    failed = [pl.when(pl.col(f"criterion_{cid}") == "fail").then(pl.lit(cid)) for cid in r.criteria]
    unknown = [
        pl.when(pl.col(f"criterion_{cid}") == "unknown").then(pl.lit(cid)) for cid in r.criteria
    ]
    computed = pl.col("legal_basis") >= 0
    return base.select(
        "application_id",
        "department",
        "eligible",
        "fundable",
        pl.concat_str(failed, separator=";", ignore_nulls=True).alias("failed_criteria"),
        pl.concat_str(unknown, separator=";", ignore_nulls=True).alias("unknown_criteria"),
        *[
            pl.when(computed).then(_cents_text(pl.col(f"{k}_cents"))).alias(f"{k}_eur")
            for k in ("aid", "grant", "advance", "advance_gge", "total_gge")
        ],
        pl.col("legal_basis").replace_strict(basis, default=None, return_dtype=pl.String),
        pl.col("de_minimis").replace_strict(dm, default=None, return_dtype=pl.String),
        pl.when(pl.col("de_minimis") >= 0)
        .then(_cents_text(pl.col("hb")))
        .alias("de_minimis_headroom_before_eur"),
        pl.when(pl.col("de_minimis") >= 0)
        .then(_cents_text(pl.col("ha")))
        .alias("de_minimis_headroom_after_eur"),
        pl.when(pl.col("de_minimis") >= 0)
        .then(_cents_text(pl.col("ex")))
        .alias("de_minimis_excess_eur"),
        *[f"criterion_{cid}" for cid in r.criteria],
    )


def evaluate_chunked(
    table: Table, rules: VectorRules, *, progress: bool = False, stream: IO[str] | None = None
) -> VectorResult:
    # Imported here: most runs draw no bar (small files, --no-progress), and the command's
    # start-up is part of its time.
    from tqdm import tqdm

    parts: list[VectorResult] = []
    with tqdm(
        total=table.n,
        unit="dossiers",
        file=stream or sys.stderr,
        disable=not progress,
        desc="simulation",
    ) as bar:
        for start in range(0, max(table.n, 1), CHUNK_ROWS):
            chunk = table.slice(start, start + CHUNK_ROWS)
            parts.append(rules.evaluate(chunk))
            bar.update(chunk.n)
    return VectorResult.concat(parts)


def simulate_frame(
    frame: pl.DataFrame,
    ctx: AwardContext,
    *,
    errors: Sequence[RowError] = (),
    n_rejected_rows: int = 0,
    keep_rows: bool = False,
    progress: bool = False,
    table: Table | None = None,
) -> Simulation:
    """Evaluate `ctx` on a typed frame (see `read_applications`) and sum up; `table`: the
    frame as the rules read it, when the caller has it (`Applications.table()`)."""
    table = table_from_polars(frame) if table is None else table
    result = evaluate_chunked(table, VectorRules.build(ctx), progress=progress)
    deps = (
        frame["department"].fill_null("")
        if "department" in frame.columns
        else pl.Series("department", [""] * frame.height)
    )
    sums = pl.DataFrame(
        {
            "department": deps,
            "eligible": result.eligible == 2,
            "unknown": result.eligible == 1,
            "fundable": result.fundable,
            "dm_exceeded": result.de_minimis == DM_EXCEEDS,
            "grant": np.where(result.fundable, result.grant_cents, 0),
            "advance": np.where(result.fundable, result.advance_cents, 0),
            "advance_gge": np.where(result.fundable, result.advance_gge_cents, 0),
            "gge": np.where(result.fundable, result.total_gge_cents, 0),
        }
    )
    aggs = [
        pl.len().alias("n"),
        pl.col("eligible").sum().alias("n_eligible"),
        pl.col("unknown").sum().alias("n_unknown"),
        pl.col("fundable").sum().alias("n_fundable"),
        pl.col("dm_exceeded").sum().alias("n_dm"),
        pl.col("grant").sum(),
        pl.col("advance").sum(),
        pl.col("advance_gge").sum(),
        pl.col("gge").sum(),
    ]
    total = sums.select(aggs).row(0, named=True)
    by_dep = sums.group_by("department").agg(aggs).sort("department")
    ids = (
        frame["application_id"]
        if "application_id" in frame.columns
        else pl.Series("application_id", [str(i + 1) for i in range(frame.height)])
    )
    return Simulation(
        scheme=ctx.scheme,
        at=ctx.at,
        ctx=ctx,
        n=frame.height,
        n_eligible=int(total["n_eligible"] or 0),
        n_unknown=int(total["n_unknown"] or 0),
        n_fundable=int(total["n_fundable"] or 0),
        n_de_minimis_exceeded=int(total["n_dm"] or 0),
        n_rejected_rows=n_rejected_rows,
        total_grant_cents=int(total["grant"] or 0),
        total_advance_cents=int(total["advance"] or 0),
        total_advance_gge_cents=int(total["advance_gge"] or 0),
        total_gge_cents=int(total["gge"] or 0),
        envelope_cents=to_cents(ctx.envelope),
        by_department=[
            DepartmentTotals(
                department=d["department"] or "?",
                n=int(d["n"]),
                n_eligible=int(d["n_eligible"]),
                n_fundable=int(d["n_fundable"]),
                grant_cents=int(d["grant"]),
                advance_cents=int(d["advance"]),
                total_gge_cents=int(d["gge"]),
            )
            for d in by_dep.iter_rows(named=True)
        ],
        errors=list(errors),
        per_row=_per_row_frame(ids, deps, result) if keep_rows else None,
        result=result,
    )


def synthetic_applications(n: int, *, seed: int = 2025, missing_rate: float = 0.01) -> pl.DataFrame:
    """`n` random applications in the input format (seeded), for benchmarks, tests, demos.

    Roughly realistic: most companies young and in Occitanie, a share of missing values.
    """
    rng = np.random.default_rng(seed)
    app_day = np.datetime64("2025-01-02") + rng.integers(0, 360, n)
    age_days = rng.integers(0, 12 * 366, n)
    created = app_day - age_days
    deps = np.array(
        [
            "09",
            "11",
            "12",
            "30",
            "31",
            "32",
            "34",
            "46",
            "48",
            "65",
            "66",
            "81",
            "82",
            "75",
            "13",
            "33",
            "2A",
        ]
    )
    weights = np.array([1, 2, 2, 4, 12, 1, 8, 1, 1, 1, 2, 2, 1, 2, 1, 1, 0.5])
    frame = pl.DataFrame(
        {
            "application_id": [f"A{i:07d}" for i in range(1, n + 1)],
            "creation_date": created.astype("datetime64[D]").astype(str),
            "application_date": app_day.astype("datetime64[D]").astype(str),
            "department": deps[rng.choice(len(deps), n, p=weights / weights.sum())],
            "headcount": rng.integers(0, 320, n),
            "turnover_eur": rng.integers(0, 70_000_000, n),
            "balance_sheet_eur": rng.integers(0, 60_000_000, n),
            "deep_tech": (rng.random(n) < 0.7).astype(np.int8),
            "lab_collaboration": (rng.random(n) < 0.75).astype(np.int8),
            "eligible_cost_eur": rng.integers(10_000, 600_000, n),
            "requested_eur": rng.integers(5_000, 400_000, n),
            "prior_de_minimis_eur": rng.integers(0, 300_000, n),
        }
    )
    if missing_rate > 0:
        frame = frame.with_columns(
            pl.when(pl.lit(rng.random(n) < missing_rate)).then(None).otherwise(pl.col(c)).alias(c)
            for c in COLUMNS[1:]
        )
    return frame


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, value = parse_override(item)
        if name in out:
            raise ParameterError(f"parameter {name!r} overridden twice")
        out[name] = value
    return out


def simulate_file(
    scheme_id: str,
    *,
    at: date,
    applications: Path | str,
    overrides: Mapping[str, object] | None = None,
    keep_rows: bool = False,
    progress: bool | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> Simulation:
    """Read the file, evaluate the scheme version in force on `at`, sum up.

    `progress=None` shows a progress bar on stderr from PROGRESS_MIN_ROWS rows.
    """
    scheme = find_scheme(scheme_id, at)
    ctx = AwardContext.build(scheme, at, overrides)
    apps = read_applications(applications, max_bytes=max_bytes)
    show = apps.frame.height >= PROGRESS_MIN_ROWS if progress is None else progress
    return simulate_frame(
        apps.frame,
        ctx,
        errors=apps.errors,
        n_rejected_rows=apps.rejected_rows,
        keep_rows=keep_rows,
        progress=show,
        table=apps.table(),
    )


def write_per_row(sim: Simulation, path: Path | str) -> None:
    if sim.per_row is None:
        raise ValueError("simulation was run without keep_rows=True")
    sim.per_row.write_csv(path)


def summary_json_line(sim: Simulation) -> str:
    return json.dumps(sim.summary_json(), ensure_ascii=False, sort_keys=False)


__all__ = [
    "COLUMNS",
    "Applications",
    "RowError",
    "Simulation",
    "SimulationInputError",
    "parse_overrides",
    "read_applications",
    "simulate_file",
    "simulate_frame",
    "summary_json_line",
    "write_per_row",
]
