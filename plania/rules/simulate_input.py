"""Reading the applications file of a what-if simulation (`plania.rules.simulate`).

The CSV (columns in `COLUMNS`, extra columns ignored) is read by polars in one query,
typed and checked together; a bad cell refuses its row, reported with (row, column,
value), and keeps the others; the file as a whole is refused when it is too large, not
UTF-8, not comma-separated, cut short, or lacks a column. Kept apart from the simulation
itself, which only sums what this module reads.
"""

import csv
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from plania.rules.vector import Table, numeric_exprs, table_from_polars

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
