"""Vectorised evaluation of a scheme version over a whole table of applications.

Same rules, same results as `eligibility.evaluate_eligibility` and `award.compute_award`
applied row by row (a hypothesis property test compares the two to the cent), but the
scheme's criteria are interpreted once: each criterion becomes a few numpy operations on
whole columns, so the engine's overhead is per criterion, not per row.

Representation (`Table`): one `VColumn` per input field, with a boolean `missing` mask.

- dates: int64 `yyyymmdd`. The age in full years is then `(on - born) // 10000` (the
  month-day part borrows exactly when the anniversary is not reached), so "age < k" is
  `on - born < k * 10000`: one subtraction and one comparison for the whole column.
- amounts: int64 cents (CONVENTIONS.md: the vectorised path uses integer cents and must
  agree to the cent with the Decimal path); integers: int64; flags: bool.
- texts: int32 codes into `categories` (-1 when missing), so "in a list" is one lookup in
  a small boolean table per category instead of a string comparison per row.

Verdicts are int8 codes fail=0 < unknown=1 < pass=2 (Kleene: "all" = minimum, "any" =
maximum), the same codes as the scalar path's `VERDICT_CODE`.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import polars as pl

from plania.rules import gge
from plania.rules.award import AwardContext, AwardResult
from plania.rules.eligibility import InvalidInput, normalize_department, normalize_input
from plania.rules.money import to_cents
from plania.rules.params import ParamValue
from plania.rules.schemes import INPUT_FIELDS, Condition, Group, InputKind, Leaf

I8: TypeAlias = npt.NDArray[np.int8]
I64: TypeAlias = npt.NDArray[np.int64]
F64: TypeAlias = npt.NDArray[np.float64]
Bool: TypeAlias = npt.NDArray[np.bool_]
AnyArray: TypeAlias = npt.NDArray[Any]

FAIL, UNKNOWN, PASS = np.int8(0), np.int8(1), np.int8(2)
# Codes of the result arrays (documented for the output file and the tests).
BASIS_NONE, BASIS_DE_MINIMIS, BASIS_GBER = -1, 0, 1
DM_NONE, DM_EXCEEDS, DM_UNKNOWN, DM_FITS = -1, 0, 1, 2


@dataclass(frozen=True)
class VColumn:
    kind: InputKind
    values: AnyArray
    missing: Bool
    categories: tuple[str, ...] = ()

    def slice(self, start: int, stop: int) -> "VColumn":
        return VColumn(
            self.kind, self.values[start:stop], self.missing[start:stop], self.categories
        )


@dataclass(frozen=True)
class Table:
    n: int
    columns: dict[str, VColumn]

    def column(self, name: str) -> VColumn:
        col = self.columns.get(name)
        if col is None:  # an absent column is an entirely missing input: "unknown"
            kind = INPUT_FIELDS[name]
            dtype = np.bool_ if kind == "flag" else np.int32 if kind == "text" else np.int64
            values = np.full(self.n, -1 if kind == "text" else 0, dtype=dtype)
            col = VColumn(kind, values, np.ones(self.n, dtype=np.bool_))
            self.columns[name] = col
        return col

    def slice(self, start: int, stop: int) -> "Table":
        stop = min(stop, self.n)
        return Table(stop - start, {k: c.slice(start, stop) for k, c in self.columns.items()})


# --- Building tables. ---


def _date_key(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def table_from_records(records: Sequence[Mapping[str, object]]) -> Table:
    """A table from plain mappings, read with the scalar path's own input normalisation
    (an unreadable value is missing there too, so both paths give "unknown")."""
    n = len(records)
    columns: dict[str, VColumn] = {}
    for name, kind in INPUT_FIELDS.items():
        vals: list[object] = []
        for rec in records:
            try:
                vals.append(normalize_input(name, kind, rec.get(name)))
            except InvalidInput:
                vals.append(None)
        missing = np.array([v is None for v in vals], dtype=np.bool_).reshape(n)
        if kind == "text":
            cats = sorted({v for v in vals if isinstance(v, str)})
            index = {c: i for i, c in enumerate(cats)}
            codes = np.array([index[v] if isinstance(v, str) else -1 for v in vals], np.int32)
            columns[name] = VColumn(kind, codes.reshape(n), missing, tuple(cats))
        elif kind == "flag":
            columns[name] = VColumn(kind, np.array([v is True for v in vals], np.bool_), missing)
        elif kind == "date":
            arr = [_date_key(v) if isinstance(v, date) else 0 for v in vals]
            columns[name] = VColumn(kind, np.array(arr, np.int64).reshape(n), missing)
        elif kind == "amount":
            arr = [to_cents(v) if isinstance(v, Decimal) else 0 for v in vals]
            columns[name] = VColumn(kind, np.array(arr, np.int64).reshape(n), missing)
        else:
            arr = [v if isinstance(v, int) else 0 for v in vals]
            columns[name] = VColumn(kind, np.array(arr, np.int64).reshape(n), missing)
    return Table(n, columns)


def _polars_expr(name: str, kind: InputKind, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if kind == "date":
        if dtype == pl.String:
            col = col.str.to_date("%Y-%m-%d", strict=True)
        # Each part widened first: polars gives months and days as Int8 (x 100 overflows).
        return (
            col.dt.year().cast(pl.Int64) * 10000
            + col.dt.month().cast(pl.Int64) * 100
            + col.dt.day().cast(pl.Int64)
        )
    if kind == "amount":
        if dtype.is_integer():
            return col.cast(pl.Int64) * 100
        if isinstance(dtype, pl.Decimal):
            return (col * 100).cast(pl.Int64)
        raise TypeError(f"column {name}: amounts must be integer euros or Decimal, not {dtype}")
    if kind == "integer":
        if not dtype.is_integer():
            raise TypeError(f"column {name}: expected integers, not {dtype}")
        return col.cast(pl.Int64)
    if kind == "flag":
        return col.cast(pl.Boolean)
    raise AssertionError(kind)  # pragma: no cover


def numeric_exprs(schema: Mapping[str, pl.DataType]) -> list[pl.Expr]:
    """The polars expressions that turn a typed frame's numeric input columns (all but the
    texts) into the table's values and missing masks (`__v_<name>`, `__m_<name>`), for
    `table_from_polars` or for the query that reads the frame (`plania.rules.simulate`
    reads and converts in one collect)."""
    exprs: list[pl.Expr] = []
    for name, kind in INPUT_FIELDS.items():
        if kind == "text" or name not in schema:
            continue
        fill: object = False if kind == "flag" else 0
        exprs.append(_polars_expr(name, kind, schema[name]).fill_null(fill).alias(f"__v_{name}"))
        exprs.append(pl.col(name).is_null().alias(f"__m_{name}"))
    return exprs


def table_from_polars(df: pl.DataFrame, converted: pl.DataFrame | None = None) -> Table:
    """A table from a typed polars DataFrame (dates as Date or 'YYYY-MM-DD' text, amounts in
    integer euros or Decimal, flags as Boolean or 0/1, texts as String). Columns that are not
    input fields are ignored; absent input fields are missing for every row.

    `converted`: the columns of `numeric_exprs(df.schema)` when the caller computed them
    already (with the read), else they are computed here."""
    n = df.height
    columns: dict[str, VColumn] = {}
    if converted is None:
        exprs = numeric_exprs(df.schema)
        converted = df.select(exprs) if exprs else pl.DataFrame()
    for name, kind in INPUT_FIELDS.items():
        if kind != "text" and f"__v_{name}" in converted.columns:
            columns[name] = VColumn(
                kind, converted[f"__v_{name}"].to_numpy(), converted[f"__m_{name}"].to_numpy()
            )
    for name, text_kind in INPUT_FIELDS.items():
        if text_kind != "text" or name not in df.columns:
            continue
        s = df[name].cast(pl.String)
        s = s.str.strip_chars()
        s = pl.Series(name, s).set(s == "", None) if (s == "").any() else s
        uniques = s.drop_nulls().unique().sort().to_list()
        codes = s.cast(pl.Enum(uniques)).to_physical().cast(pl.Int32).fill_null(-1).to_numpy()
        cats = tuple(normalize_department(u) if name == "department" else u for u in uniques)
        columns[name] = VColumn("text", codes, s.is_null().to_numpy(), cats)
    return Table(n, columns)


# --- Compiling the rules once. ---

Evaluator: TypeAlias = Callable[[Table], I8]


def _verdict(cond: Bool, missing: Bool) -> I8:
    code: I8 = cond.view(np.int8) << 1
    if missing.any():
        np.putmask(code, missing, UNKNOWN)
    return code


def _threshold(value: ParamValue, input_kind: InputKind) -> int:
    if input_kind == "amount":
        assert isinstance(value, Decimal | int)
        return to_cents(Decimal(value))
    assert isinstance(value, int | Decimal)
    if isinstance(value, Decimal) and value != value.to_integral_value():
        # headcount < 12.5 is headcount <= 12: keep exact integer comparisons.
        raise ValueError(f"integer input compared with a fractional threshold {value}")
    return int(value)


_CMP: dict[str, Callable[[AnyArray, int], Bool]] = {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}


def compile_condition(cond: Condition, params: Mapping[str, Any]) -> Evaluator:
    """Turn a condition tree into one function over a whole table (done once)."""
    if isinstance(cond, Group):
        parts = [compile_condition(c, params) for c in cond.items]
        combine = np.minimum if cond.mode == "all" else np.maximum

        def group(t: Table) -> I8:
            out = parts[0](t)
            for p in parts[1:]:
                out = combine(out, p(t))
            return out

        return group
    leaf: Leaf = cond
    kind = INPUT_FIELDS[leaf.input]
    threshold = params[leaf.parameter].value if leaf.parameter else None
    op = leaf.operator
    name = leaf.input
    if op in _CMP:
        assert threshold is not None
        thr = _threshold(threshold, kind)
        cmp = _CMP[op]

        def compare(t: Table) -> I8:
            c = t.column(name)
            return _verdict(cmp(c.values, thr), c.missing)

        return compare
    if op in ("is_true", "is_false"):
        want = op == "is_true"

        def flag(t: Table) -> I8:
            c = t.column(name)
            return _verdict(c.values if want else ~c.values, c.missing)

        return flag
    if op in ("in", "not_in"):
        assert isinstance(threshold, tuple)
        allowed = frozenset(threshold)
        inside = op == "in"

        def member(t: Table) -> I8:
            c = t.column(name)
            # One slot per category plus a last one that code -1 (missing) indexes.
            lookup = np.array([(x in allowed) == inside for x in c.categories] + [False])
            return _verdict(lookup[c.values], c.missing)

        return member
    if op in ("age_years_lt", "age_years_ge"):
        assert isinstance(threshold, int) and leaf.reference_input is not None
        limit = threshold * 10000
        ref = leaf.reference_input
        below = op == "age_years_lt"

        def age(t: Table) -> I8:
            born, on = t.column(name), t.column(ref)
            diff = on.values - born.values
            cond = diff < limit if below else diff >= limit
            return _verdict(cond, born.missing | on.missing)

        return age
    raise AssertionError(f"unhandled operator {op}")  # pragma: no cover


@dataclass(frozen=True)
class VectorResult:
    """Per-application results, as arrays (amounts in int64 cents; 0 when not computed)."""

    n: int
    criteria: dict[str, I8]
    eligible: I8  # 0 no, 1 unknown, 2 yes
    computed: Bool
    aid_cents: I64
    grant_cents: I64
    advance_cents: I64
    advance_gge_cents: I64
    total_gge_cents: I64
    legal_basis: I8  # BASIS_*
    de_minimis: I8  # DM_*
    headroom_before_cents: I64
    headroom_after_cents: I64
    excess_cents: I64
    fundable: Bool

    @staticmethod
    def concat(parts: Sequence["VectorResult"]) -> "VectorResult":
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        kwargs: dict[str, Any] = {"n": sum(p.n for p in parts)}
        kwargs["criteria"] = {
            k: np.concatenate([p.criteria[k] for p in parts]) for k in first.criteria
        }
        for f in VectorResult.__dataclass_fields__:
            if f not in ("n", "criteria"):
                kwargs[f] = np.concatenate([getattr(p, f) for p in parts])
        return VectorResult(**kwargs)


@dataclass(frozen=True)
class VectorRules:
    """A scheme version compiled for whole tables (see module docstring)."""

    ctx: AwardContext
    criteria: tuple[tuple[str, Evaluator], ...]
    gber: Evaluator
    cap_cents: int
    grant_cap_cents: int
    intensity: tuple[int, int] | None  # exact fraction num/den
    discount_factors: tuple[float, ...]
    ceiling_cents: int | None

    @classmethod
    def build(cls, ctx: AwardContext) -> "VectorRules":
        p = ctx.params
        criteria = tuple((c.id, compile_condition(c.condition, p)) for c in ctx.scheme.criteria)
        down = ctx.rounding_mode == "down"
        grant_cap = to_cents(ctx.grant_cap)
        grant_cap = (grant_cap // 100 if down else (grant_cap + 50) // 100) * 100
        intensity = None
        if ctx.intensity is not None:
            intensity = ctx.intensity.as_integer_ratio()
        factors = gge.gge_discount_factors(
            deferral_periods=ctx.terms.deferral_periods,
            n_instalments=ctx.terms.n_instalments,
            periods_per_year=ctx.terms.periods_per_year,
            annual_rate=ctx.reference_rate,
            compounding=ctx.compounding,
        )
        return cls(
            ctx=ctx,
            criteria=criteria,
            gber=compile_condition(ctx.scheme.gber_art22_when, p),
            cap_cents=to_cents(ctx.cap),
            grant_cap_cents=grant_cap,
            intensity=intensity,
            discount_factors=tuple(factors),
            ceiling_cents=(
                to_cents(ctx.de_minimis_ceiling) if ctx.de_minimis_ceiling is not None else None
            ),
        )

    def _round_euro(self, cents: I64) -> I64:
        if self.ctx.rounding_mode == "down":
            return (cents // 100) * 100
        return ((cents + 50) // 100) * 100

    def advance_gge_cents(self, principal: I64) -> I64:
        """GGE of zero-interest advances, per gge.py's docstring steps 1-4, to the cent.

        Instalments as schedules.split_equal_cents (the first P % n carry one more cent),
        present value accumulated left to right with the scalar path's own float factors.
        """
        out = np.zeros(principal.shape[0], dtype=np.int64)
        idx = np.flatnonzero(principal > 0)
        if idx.size == 0:
            return out
        p = principal[idx]
        n = len(self.discount_factors)
        base, rem = np.divmod(p, n)
        base_f = base.astype(np.float64)
        pv: F64 = np.zeros(idx.size, dtype=np.float64)
        for i, df in enumerate(self.discount_factors):
            pv = pv + (base_f + (rem > i)) * df
        floor = np.floor(pv)
        pv_cents = floor.astype(np.int64) + (pv - floor >= 0.5)
        out[idx] = np.maximum(0, p - pv_cents)
        return out

    def evaluate(self, t: Table) -> VectorResult:
        n = t.n
        codes = {cid: fn(t) for cid, fn in self.criteria}
        it = iter(codes.values())
        eligible = next(it).copy()
        for c in it:
            np.minimum(eligible, c, out=eligible)
        req, cost = t.column("requested_eur"), t.column("eligible_cost_eur")
        computed = (eligible == PASS) & ~req.missing & ~cost.missing

        # Award split (award.split_award): min then round equals round then min, rounding
        # being monotone; the intensity product is rounded exactly in integers.
        ex = np.minimum(req.values, self.cap_cents)
        np.minimum(ex, cost.values, out=ex)
        aid = self._round_euro(ex)
        if self.intensity is not None:
            num, den = self.intensity
            prod = cost.values * num
            if self.ctx.rounding_mode == "down":
                by_intensity = (prod // (den * 100)) * 100
            else:
                by_intensity = ((prod * 2 + den * 100) // (den * 200)) * 100
            np.minimum(aid, by_intensity, out=aid)
        np.maximum(aid, 0, out=aid)
        aid = np.where(computed, aid, 0)
        grant = np.minimum(aid, self.grant_cap_cents)
        if self.ctx.remainder == "none":
            aid = grant
        advance = aid - grant
        adv_gge = self.advance_gge_cents(advance)
        total = grant + adv_gge

        gber = self.gber(t)
        basis = np.where(
            computed, np.where(gber == PASS, BASIS_GBER, BASIS_DE_MINIMIS), BASIS_NONE
        ).astype(np.int8)

        prior = t.column("prior_de_minimis_eur")
        zeros = np.zeros(n, dtype=np.int64)
        if self.ceiling_cents is None:
            dm = np.where(computed, DM_UNKNOWN, DM_NONE).astype(np.int8)
            before = after = excess = zeros
        else:
            ceiling = self.ceiling_cents
            known = computed & ~prior.missing
            cumul = prior.values + total
            fits = cumul <= ceiling
            dm = np.where(
                known, np.where(fits, DM_FITS, DM_EXCEEDS), np.where(computed, DM_UNKNOWN, DM_NONE)
            ).astype(np.int8)
            before = np.where(known, np.maximum(0, ceiling - prior.values), 0)
            after = np.where(known, np.maximum(0, ceiling - cumul), 0)
            excess = np.where(known & ~fits, cumul - ceiling, 0)
        fundable = computed & ((basis == BASIS_GBER) | (dm == DM_FITS))
        return VectorResult(
            n=n,
            criteria=codes,
            eligible=eligible,
            computed=computed,
            aid_cents=aid,
            grant_cents=grant,
            advance_cents=advance,
            advance_gge_cents=adv_gge,
            total_gge_cents=total,
            legal_basis=basis,
            de_minimis=dm,
            headroom_before_cents=before,
            headroom_after_cents=after,
            excess_cents=excess,
            fundable=fundable,
        )


def evaluate_table(table: Table, ctx: AwardContext) -> VectorResult:
    """Compile the rules of `ctx` and evaluate them on `table`."""
    return VectorRules.build(ctx).evaluate(table)


# --- Comparing the two paths (property tests, bench). ---

_VERDICT_INT = {"fail": 0, "unknown": 1, "pass": 2}
_OVERALL_INT = {"no": 0, "unknown": 1, "yes": 2}


def scalar_row(result: AwardResult) -> dict[str, int]:
    """A scalar result in the vector path's codes and cents, for exact comparison."""

    def cents(v: Decimal | None) -> int:
        return to_cents(v) if v is not None else 0

    row = {f"criterion:{c.id}": _VERDICT_INT[c.verdict] for c in result.eligibility.criteria}
    dm = result.de_minimis
    status = {None: DM_NONE, "fits": DM_FITS, "exceeds": DM_EXCEEDS, "unknown": DM_UNKNOWN}
    basis = {None: BASIS_NONE, "gber_art22": BASIS_GBER, "de_minimis": BASIS_DE_MINIMIS}
    row.update(
        eligible=_OVERALL_INT[result.eligibility.overall],
        computed=int(result.computed),
        aid_cents=cents(result.aid_eur),
        grant_cents=cents(result.grant_eur),
        advance_cents=cents(result.advance_eur),
        advance_gge_cents=cents(result.advance_gge_eur),
        total_gge_cents=cents(result.total_gge_eur),
        legal_basis=basis[result.legal_basis],
        de_minimis=status[result.de_minimis_status],
        headroom_before_cents=cents(dm.headroom_before) if dm else 0,
        headroom_after_cents=cents(dm.headroom_after) if dm else 0,
        excess_cents=cents(dm.excess) if dm else 0,
        fundable=int(result.fundable),
    )
    return row


def vector_row(result: VectorResult, i: int) -> dict[str, int]:
    row = {f"criterion:{cid}": int(codes[i]) for cid, codes in result.criteria.items()}
    for f in VectorResult.__dataclass_fields__:
        if f not in ("n", "criteria"):
            row[f] = int(getattr(result, f)[i])
    return row
