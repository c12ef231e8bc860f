"""Reading the simulation's CSV: one query collected once, and the fast path (polars'
CSV reader parses the integers) reads exactly what the text path reads."""

import csv
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plania.rules import simulate_input as simulate
from plania.rules.simulate import COLUMNS, read_applications, synthetic_applications

GOOD = {
    "application_id": "A1",
    "creation_date": "2022-03-04",
    "application_date": "2025-05-06",
    "department": "31",
    "headcount": "12",
    "turnover_eur": "1000000",
    "balance_sheet_eur": "900000",
    "deep_tech": "1",
    "lab_collaboration": "0",
    "eligible_cost_eur": "300000",
    "requested_eur": "150000",
    "prior_de_minimis_eur": "0",
}


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _text_path(path: Path) -> simulate.Applications:
    source = simulate._open_source(path, simulate.MAX_INPUT_BYTES)
    return simulate._read_text(source, len(COLUMNS))


def _same(a: simulate.Applications, b: simulate.Applications) -> None:
    assert a.frame.equals(b.frame), (a.frame, b.frame)
    assert a.frame.schema == b.frame.schema
    assert (a.errors, a.n_read, a.rejected_rows) == (b.errors, b.n_read, b.rejected_rows)


class CountCollects:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = pl.LazyFrame.collect

        def counted(lf: pl.LazyFrame, *args: object, **kwargs: object) -> pl.DataFrame:
            self.calls += 1
            return original(lf, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(pl.LazyFrame, "collect", counted)


def test_a_clean_file_is_read_typed_and_checked_by_one_collect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "apps.csv"
    synthetic_applications(2_000, seed=5).write_csv(path)
    counter = CountCollects(monkeypatch)
    apps = read_applications(path)
    assert counter.calls == 1
    assert apps.errors == [] and apps.n_read == apps.frame.height == 2_000
    assert apps.frame.schema["creation_date"] == pl.Date
    assert apps.frame.schema["headcount"] == pl.Int64
    assert apps.frame.schema["deep_tech"] == pl.Boolean
    _same(apps, _text_path(path))


def test_a_bad_cell_is_reported_as_written_after_one_more_collect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        dict(GOOD, application_id="A1"),
        dict(GOOD, application_id="A2", headcount="-05"),  # read as -5 by the CSV reader
        dict(GOOD, application_id="A3", turnover_eur=" 7 ", deep_tech=" 1"),  # spaces: fine
        dict(GOOD, application_id="A4", creation_date="2025-02-30", lab_collaboration="01"),
        dict(GOOD, application_id="  ", department=" 9 "),
    ]
    path = _write(tmp_path / "apps.csv", rows)
    counter = CountCollects(monkeypatch)
    apps = read_applications(path)
    assert counter.calls == 2  # the fast path, then the text path that names the cells
    assert [(e.row, e.column, e.value) for e in apps.errors] == [
        (2, "headcount", "-05"),
        (4, "creation_date", "2025-02-30"),
        (4, "lab_collaboration", "01"),
        (5, "application_id", ""),
    ]
    assert apps.rejected_rows == 3 and apps.n_read == 5
    assert apps.frame["application_id"].to_list() == ["A1", "A3"]
    assert apps.frame.row(1, named=True) == {
        **apps.frame.row(0, named=True),
        "application_id": "A3",
        "turnover_eur": 7,
        "deep_tech": True,
    }
    assert apps.frame["creation_date"][0] == date(2022, 3, 4)


# Cells a person or a spreadsheet might write: a valid value written in odd ways (spaces,
# ASCII or not, signs, leading zeros, quotes, decimal or exponent marks), or junk.
JUNK = st.text(alphabet="0123456789 +-.,e\t\u00a0xX/\"'", max_size=8)
DECORATIONS = ["{}", " {}", "{} ", " {} ", "+{}", "0{}", "\t{}", "\u00a0{}", "{}.0", "{}e0", '"{}"']
INT_CELL = st.one_of(
    st.builds(
        str.format,
        st.sampled_from(DECORATIONS),
        st.one_of(st.integers(0, 400), st.integers(-3, 10**13)),
    ),
    st.sampled_from(["", " ", "-0", "00"]),
    JUNK,
)
DAY = st.dates(date(1990, 1, 1), date(2030, 12, 31))
DATE_CELL = st.one_of(
    st.builds(str.format, st.sampled_from(DECORATIONS), DAY),
    DAY.map(lambda d: f"{d.year}-{d.month}-{d.day}"),
    DAY.map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["", " ", "2025-02-30", "20250601"]),
    JUNK,
)
FLAG_CELL = st.sampled_from(["0", "1", "", " ", " 1", "0 ", "\u00a01", "01", "+1", "2", "true"])
CELLS = {
    "application_id": st.sampled_from(["A1", " A1 ", "", " ", "\u00a0B", "A,1", 'A"1']),
    "department": st.sampled_from(["31", " 31", "31 ", "9", "2a", " 2A", "", " "]),
    **{c: DATE_CELL for c in simulate.DATE_COLUMNS},
    **{c: INT_CELL for c in simulate.INT_COLUMNS},
    **{c: FLAG_CELL for c in simulate.FLAG_COLUMNS},
}


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_fast_path_reads_what_the_text_path_reads(data: st.DataObject) -> None:
    """Whatever the cells, the fast path (or its fall back) gives the text path's frame
    and errors, cell for cell. One to three cells of a row are written oddly."""
    columns = data.draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=3, unique=True))
    odd = dict(GOOD, **{c: data.draw(CELLS[c], label=c) for c in columns})
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp) / "apps.csv", [GOOD, odd, GOOD])
        _same(read_applications(path), _text_path(path))


@pytest.mark.parametrize(
    ("column", "cell", "value"),
    [
        ("headcount", " 12", 12),
        ("headcount", "+12", 12),
        ("headcount", "012", 12),
        ("headcount", '"12"', 12),
        ("headcount", "", None),
        ("turnover_eur", "-0", 0),
        ("creation_date", " 2022-03-04", date(2022, 3, 4)),
        ("creation_date", "2022-3-4", date(2022, 3, 4)),
        ("department", " 9 ", "09"),
        ("application_id", " A1 ", "A1"),
    ],
)
def test_odd_but_readable_cells_stay_on_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str, cell: str, value: object
) -> None:
    """These cells do not send the file to the text path (one collect), and read as there."""
    path = _write(tmp_path / "apps.csv", [dict(GOOD, **{column: cell})])
    if cell.startswith('"'):  # a quoted cell, as a spreadsheet writes it
        path.write_text(path.read_text().replace(f'"""{cell[1:-1]}"""', cell))
    counter = CountCollects(monkeypatch)
    apps = read_applications(path)
    assert counter.calls == 1 and apps.errors == []
    assert apps.frame[column][0] == value
