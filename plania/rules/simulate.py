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

import csv
import json
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
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
from plania.rules.vector import (
    BASIS_DE_MINIMIS,
    BASIS_GBER,
    DM_EXCEEDS,
    DM_FITS,
    DM_UNKNOWN,
    Table,
    VectorResult,
    VectorRules,
    numeric_exprs,
    table_from_polars,
)

COLUMNS = (
    "application_id",
    "creation_date",
    "application_date",
    "department",
    "headcount",
    "turnover_eur",
    "balance_sheet_eur",
    "deep_tech",
    "lab_collaboration",
    "eligible_cost_eur",
    "requested_eur",
    "prior_de_minimis_eur",
)
DATE_COLUMNS = ("creation_date", "application_date")
INT_COLUMNS = (
    "headcount",
    "turnover_eur",
    "balance_sheet_eur",
    "eligible_cost_eur",
    "requested_eur",
    "prior_de_minimis_eur",
)
FLAG_COLUMNS = ("deep_tech", "lab_collaboration")
# Larger than any budget, small enough that cents stay far inside int64.
MAX_AMOUNT_EUR = 10**12
# The rules run on a million rows in about a tenth of a second: a progress bar (and the
# chunks it counts, which cost a copy of every result to join) only from ten million.
PROGRESS_MIN_ROWS = 10_000_000
CHUNK_ROWS = 2_000_000
# The largest applications file read. A million applications weigh about 100 MB, and
# polars holds the file in memory (a few times its size): a larger file, whatever number
# of rows it claims, is refused before it is read. `plania simulate` takes the limit from
# PLANIA_SIMULATE_MAX_BYTES; the rules core reads no environment.
MAX_INPUT_BYTES = 1024**3
_PEEK = 64 * 1024


class SimulationInputError(ValueError):
    """The file cannot be used at all (unreadable, too large, not UTF-8, not separated by
    commas, cut short, required column missing)."""


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the header is line 1, so line = row + 1)
    column: str
    value: str
    expected: str

    @property
    def line(self) -> int:
        return self.row + 1

    def message(self) -> str:
        return (
            f"ligne/row {self.row} (line {self.line}), colonne/column {self.column}: "
            f"valeur/value {self.value!r} — attendu/expected {self.expected}"
        )


@dataclass(frozen=True)
class Applications:
    """The valid rows, typed; the refused rows' errors."""

    frame: pl.DataFrame  # typed, one row per valid application
    errors: list[RowError]
    n_read: int
    rejected_rows: int
    # The rules' numeric inputs converted by the same query that read the file (the fast
    # path), for `table_from_polars(frame, converted)`; None: converted when needed.
    converted: pl.DataFrame | None = None

    def table(self) -> Table:
        return table_from_polars(self.frame, self.converted)


@dataclass(frozen=True)
class _Source:
    """The applications file: a regular file (read by polars from disk), or the bytes of
    a pipe or a device, read here up to the limit and never beyond."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    def csv_input(self) -> Path | bytes:
        return self.path if self.path is not None else (self.data or b"")

    def head(self) -> bytes:
        if self.path is None:
            return (self.data or b"")[:_PEEK]
        with open(self.path, "rb") as f:
            return f.read(_PEEK)

    def tail(self) -> bytes:
        if self.path is None:
            return (self.data or b"")[-_PEEK:]
        with open(self.path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - _PEEK))
            return f.read()

    def lines(self) -> Iterator[bytes]:
        if self.path is None:
            yield from (self.data or b"").splitlines(keepends=True)
            return
        with open(self.path, "rb") as f:
            yield from f

    def count_lines(self) -> int:
        if self.path is None:
            data = self.data or b""
            return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        count, last = 0, b"\n"
        with open(self.path, "rb") as f:
            while chunk := f.read(1 << 20):
                count += chunk.count(b"\n")
                last = chunk[-1:]
        return count + (0 if last == b"\n" else 1)


def _open_source(path: Path | str, max_bytes: int) -> _Source:
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise SimulationInputError(f"{path}: illisible / cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise SimulationInputError(f"{path}: est un dossier / is a directory")
    if stat.S_ISREG(st.st_mode):
        if st.st_size > max_bytes:
            raise SimulationInputError(
                f"{path}: fichier trop gros / file too large: {st.st_size:,} octets/bytes, "
                f"limite/limit {max_bytes:,} (PLANIA_SIMULATE_MAX_BYTES) — découpez-le / "
                "split it"
            )
        return _Source(str(path), path=p)
    try:
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise SimulationInputError(f"{path}: illisible / cannot be read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise SimulationInputError(
            f"{path}: flux trop gros / stream too large: plus de / more than {max_bytes:,} "
            "octets/bytes (PLANIA_SIMULATE_MAX_BYTES) — découpez-le / split it"
        )
    return _Source(str(path), data=data)


def _not_utf8(name: str, line: int, raw: bytes, exc: UnicodeDecodeError) -> SimulationInputError:
    column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
    return SimulationInputError(
        f"{name}: ligne/line {line}, colonne/column {column}: pas en UTF-8 / not UTF-8 "
        f"(octet/byte 0x{raw[exc.start]:02X}, un « é » en Latin-1 ? / an 'é' in Latin-1?) — "
        "enregistrez-le en UTF-8 / save it as UTF-8"
    )


def _cut_short(name: str, line: int, detail: str) -> SimulationInputError:
    return SimulationInputError(
        f"{name}: ligne/line {line}: le fichier s'arrête au milieu d'une ligne / the file "
        f"ends in the middle of a row ({detail}) — fichier tronqué, exportez-le à nouveau / "
        "the file was cut short, export it again"
    )


def _check_header(source: _Source) -> int:
    """The header's number of fields, after checking that it is UTF-8, separated by commas
    and has every required column (polars would read a Latin-1 header lossily, and a
    semicolon-separated file as one column)."""
    head = source.head()
    first = head.split(b"\n", 1)[0]
    try:
        header = first.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise _not_utf8(source.name, 1, first, exc) from None
    if not header.strip():
        raise SimulationInputError(
            f"{source.name}: fichier vide / empty file (expected: {', '.join(COLUMNS)})"
        )
    names = [n.strip() for n in next(csv.reader([header]))]
    absent = [c for c in COLUMNS if c not in names]
    if absent and len(names) == 1:
        for separator, label in ((";", "';'"), ("\t", "tab")):
            if separator in header:
                raise SimulationInputError(
                    f"{source.name}: ligne/line 1: séparateur / separator {label} au lieu de "
                    "la virgule / instead of a comma — enregistrez-le en CSV séparé par des "
                    "virgules / save it as comma-separated CSV"
                )
    if absent:
        raise SimulationInputError(
            f"{source.name}: colonne(s) manquante(s) / missing column(s): {', '.join(absent)} "
            f"(expected: {', '.join(COLUMNS)})"
        )
    return len(names)


def _check_end(source: _Source, width: int) -> None:
    """A last line with no line break after it and too few fields, or an open quote, is a
    file cut short (polars would read the missing cells as empty, and the rules would
    evaluate a truncated amount). A complete last line without a line break is fine."""
    tail = source.tail()
    if not tail or tail.endswith((b"\n", b"\r")):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    try:
        fields = next(csv.reader([last], strict=True), [])
    except csv.Error:
        raise _cut_short(
            source.name, source.count_lines(), "guillemet ouvert / open quote"
        ) from None
    if len(fields) != width:
        raise _cut_short(
            source.name, source.count_lines(), f"{len(fields)} champs/fields sur/of {width}"
        )


def _explain(source: _Source, width: int, exc: Exception) -> SimulationInputError:
    """Why polars could not read the file, found again line by line (only when it failed:
    the file is read once more, streaming)."""
    state = {"line": 0}

    def decoded() -> Iterator[str]:
        for raw in source.lines():
            state["line"] += 1
            try:
                yield raw.decode("utf-8-sig" if state["line"] == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise _not_utf8(source.name, state["line"], raw, err) from None

    reader = csv.reader(decoded(), strict=True)
    try:
        for record in reader:
            if len(record) > width:
                return SimulationInputError(
                    f"{source.name}: ligne/line {reader.line_num}: {len(record)} champs/fields, "
                    f"l'en-tête en a / the header has {width} — vérifiez le séparateur et les "
                    "guillemets / check the separator and the quotes"
                )
    except SimulationInputError as err:
        return err
    except csv.Error as err:
        if "unexpected end of data" in str(err):
            return _cut_short(source.name, reader.line_num, "guillemet ouvert / open quote")
        return SimulationInputError(
            f"{source.name}: ligne/line {reader.line_num}: CSV illisible / unreadable CSV: {err}"
        )
    return SimulationInputError(f"{source.name}: cannot be read as CSV: {exc}")


# What a column's cells must be, said when one is refused.
EXPECTED = {
    "application_id": "a non-empty identifier",
    **{c: "a date YYYY-MM-DD or empty" for c in DATE_COLUMNS},
    **{
        c: f"{'an integer number of euros' if c.endswith('_eur') else 'an integer'} >= 0 "
        f"(at most {MAX_AMOUNT_EUR}) or empty"
        for c in INT_COLUMNS
    },
    **{c: "0, 1 or empty" for c in FLAG_COLUMNS},
}


def _typed_and_bad() -> tuple[list[pl.Expr], list[pl.Expr]]:
    """Each column typed, and for each column that can be bad whether its cell is, over a
    frame of cells (text, an empty cell null; or the integer columns typed already).

    A cell is bad when it is there but does not read as its type, or is out of range; an
    empty cell is a missing input, which the rules report as "unknown" (not an error)."""
    col = pl.col
    typed = {"application_id": col("application_id")}
    bad = {"application_id": col("application_id").is_null()}
    for c in DATE_COLUMNS:
        typed[c] = col(c).str.to_date("%Y-%m-%d", strict=False, cache=False)
        bad[c] = typed[c].is_null() & col(c).is_not_null()
    dep = col("department")
    # Same as eligibility.normalize_department, as a column expression ("9" -> "09").
    typed["department"] = (
        pl.when(dep.str.contains(r"^[0-9]$"))
        .then(pl.lit("0") + dep)
        .otherwise(dep.str.to_uppercase())
    )
    for c in INT_COLUMNS:
        typed[c] = col(c).cast(pl.Int64, strict=False)
        bad[c] = (typed[c].is_null() & col(c).is_not_null()) | (
            (typed[c] < 0) | (typed[c] > MAX_AMOUNT_EUR)
        ).fill_null(False)
    for c in FLAG_COLUMNS:
        typed[c] = pl.when(col(c) == "1").then(True).when(col(c) == "0").then(False)
        bad[c] = typed[c].is_null() & col(c).is_not_null()
    return (
        [typed[c].alias(c) for c in COLUMNS],
        [bad[c].alias(f"bad__{c}") for c in COLUMNS if c in bad],
    )


def _cells(source: _Source, *, typed_integers: bool) -> pl.LazyFrame:
    """The file's required columns as cells: an empty cell (or one of spaces) is null.

    With `typed_integers`, polars' CSV reader parses the integer columns itself (no text
    column made for them: the fast path); a cell it cannot parse fails the whole read,
    and the caller reads the file again as text, where that cell is refused alone. What the
    reader accepts it reads as the text path does (leading spaces, "+12", "012": a
    hypothesis test in tests/rules/test_simulate_read.py compares the two). Other cells are
    stripped, and an empty one made null, where that can matter: identifiers and
    départements always (they are printed and grouped), every column in the text path. In
    the fast path a date or a flag with spaces around it, or a quoted empty one, reads as
    bad, which sends the file to the text path.
    """
    overrides = {c: pl.Int64 for c in INT_COLUMNS} if typed_integers else None
    lazy = pl.scan_csv(source.csv_input(), infer_schema=False, schema_overrides=overrides)
    absent = [c for c in COLUMNS if c not in lazy.collect_schema().names()]
    if absent:  # polars read the header otherwise than csv did (it should not)
        raise SimulationInputError(
            f"{source.name}: colonne(s) manquante(s) / missing column(s): {', '.join(absent)} "
            f"(expected: {', '.join(COLUMNS)})"
        )

    def cell(c: str) -> pl.Expr:
        text = pl.col(c).str.strip_chars()
        return pl.when(text != "").then(text).alias(c)

    fast = ("application_id", "department") if typed_integers else COLUMNS
    return lazy.select(*[cell(c) if c in fast else pl.col(c) for c in COLUMNS])


def read_applications(path: Path | str, *, max_bytes: int = MAX_INPUT_BYTES) -> Applications:
    """Read the applications CSV. A bad value refuses its row (reported), not the file.

    The file as a whole is refused (SimulationInputError, naming the line when there is
    one) when it is larger than `max_bytes` (checked before reading), not UTF-8, not
    separated by commas, cut short, or lacks a required column.

    One polars query reads, types and checks every column together and is collected
    once. The fast path lets the CSV reader parse the integers; when it cannot, or when a
    cell is bad, the file is read again as text (`_read_text`), which refuses the bad rows
    one by one and reports their cells as written.
    """
    source = _open_source(path, max_bytes)
    width = _check_header(source)
    _check_end(source, width)
    typed, bad = _typed_and_bad()
    try:
        query = _cells(source, typed_integers=True).select(
            *typed, pl.any_horizontal(*bad).alias("__bad")
        )
        # The rules' conversions ride on the same query (one pass, one collect: issue 12).
        conversions = numeric_exprs(query.collect_schema())
        frame = query.with_columns(conversions).collect()
    except (OSError, pl.exceptions.PolarsError):
        return _read_text(source, width)
    if frame["__bad"].any():
        return _read_text(source, width)
    converted = frame.select(c for c in frame.columns if c.startswith(("__v_", "__m_")))
    return Applications(frame.select(COLUMNS), [], frame.height, 0, converted)


def _read_text(source: _Source, width: int) -> Applications:
    """Every cell read as text then typed, in one query collected once: the bad cells
    are refused with their row, column and value (spaces around it dropped)."""
    typed, bad = _typed_and_bad()
    checked = [c for c in COLUMNS if c in EXPECTED]
    try:
        out = (
            _cells(source, typed_integers=False)
            .select(*typed, *bad, *[pl.col(c).alias(f"raw__{c}") for c in checked])
            .collect()
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise _explain(source, width, exc) from None
    bad_mask = out.select(pl.any_horizontal(pl.col(f"bad__{c}") for c in checked)).to_series()
    errors: list[RowError] = []
    detail = out.with_row_index("__row", offset=1).filter(bad_mask)
    for rec in detail.iter_rows(named=True):
        for c in checked:
            if rec[f"bad__{c}"]:
                value = rec[f"raw__{c}"]
                errors.append(
                    RowError(int(rec["__row"]), c, "" if value is None else value, EXPECTED[c])
                )
    return Applications(out.filter(~bad_mask).select(COLUMNS), errors, out.height, detail.height)


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
