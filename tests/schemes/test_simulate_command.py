"""`plania simulate` on a 100,000-row file: totals = sums of the per-row output; bad rows."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from plania.rules.simulate import synthetic_applications

N = 100_000


@pytest.fixture(scope="module")
def applications(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sim") / "applications.csv"
    frame = synthetic_applications(N, seed=11).with_columns(pl.lit("x").alias("extra_column"))
    frame.write_csv(path)
    # Three bad rows (data rows 10, 20 and 30: lines 11, 21, 31) among the others.
    lines = path.read_text().splitlines()
    header = lines[0].split(",")

    def spoil(row: int, column: str, value: str) -> None:
        cells = lines[row].split(",")
        cells[header.index(column)] = value
        lines[row] = ",".join(cells)

    spoil(10, "headcount", "douze")
    spoil(20, "creation_date", "2025-02-30")
    spoil(30, "deep_tech", "2")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_totals_equal_the_sum_of_the_per_row_output(applications: Path, tmp_path: Path) -> None:
    output = tmp_path / "per_row.csv"
    out, err = _run(
        "startup-industrie-demain",
        "--at",
        "2025-06-01",
        "--applications",
        str(applications),
        "--output",
        str(output),
        "--json",
    )
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["n"] == N - 3 and summary["n_rejected_rows"] == 3
    assert summary["envelope_eur"] == 2_000_000
    rows = pl.read_csv(output, infer_schema=False)
    assert rows.height == N - 3
    fundable = rows.filter(pl.col("fundable") == "1")
    assert fundable.height == summary["n_fundable"] > 0
    assert rows.filter(pl.col("eligible") == "yes").height == summary["n_eligible"]

    def total(column: str) -> Decimal:
        return sum((Decimal(v) for v in fundable[column].to_list()), Decimal(0))

    assert total("grant_eur") == Decimal(str(summary["total_grant_eur"]))
    assert total("advance_eur") == Decimal(str(summary["total_advance_eur"]))
    assert total("total_gge_eur") == Decimal(str(summary["total_gge_eur"]))
    assert total("advance_gge_eur") == Decimal(str(summary["total_advance_gge_eur"]))
    by_dep = summary["by_department"]
    assert sum(d["n"] for d in by_dep) == summary["n"]
    assert sum(Decimal(str(d["total_grant_eur"])) for d in by_dep) == total("grant_eur")
    # Bad rows: row number, column and value, in the error stream.
    assert "row 10 (line 11), colonne/column headcount: valeur/value 'douze'" in err
    assert "row 20 (line 21), colonne/column creation_date: valeur/value '2025-02-30'" in err
    assert "row 30 (line 31), colonne/column deep_tech: valeur/value '2'" in err
    assert "Finançables / fundable" in out


def test_overrides_change_the_totals(applications: Path) -> None:
    base, _ = _run(
        "startup-industrie-demain",
        "--at",
        "2025-06-01",
        "--applications",
        str(applications),
        "--json",
        "--no-progress",
    )
    lower, _ = _run(
        "startup-industrie-demain",
        "--at",
        "2025-06-01",
        "--applications",
        str(applications),
        "--json",
        "--no-progress",
        "--set",
        "grant_cap_eur=30000",
    )
    a = json.loads(base.strip().splitlines()[-1])
    b = json.loads(lower.strip().splitlines()[-1])
    assert b["total_grant_eur"] < a["total_grant_eur"]
    assert b["overrides"] == {"grant_cap_eur": "30000"}
    assert "grant_cap_eur = 30000  [surchargé / overridden]" in lower


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--at", "2025-06-01"], "unknown scheme"),
        (["startup-industrie-demain", "--at", "2026-06-01"], "no version"),
        (["startup-industrie-demain", "--at", "01/06/2025"], "expected a date"),
        (["startup-industrie-demain", "--at", "2025-06-01", "--set", "cap=1"], "unknown parameter"),
        (["startup-industrie-demain", "--at", "2025-06-01", "--set", "aid_cap_eur"], "NAME=VALUE"),
    ],
)
def test_command_errors(applications: Path, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args, "--applications", str(applications))


def test_missing_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("application_id,department\nA1,31\n")
    with pytest.raises(CommandError, match="missing column"):
        _run("startup-industrie-demain", "--at", "2025-06-01", "--applications", str(path))
