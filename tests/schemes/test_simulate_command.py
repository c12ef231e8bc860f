"""`plania simulate` on a 100,000-row file: totals = sums of the per-row output; bad rows.

The command runs without Django (plania/schemes/simulate_cli.py); `_run` calls its entry
point in this process, `test_simulate_runs_without_django` runs it as people do."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import polars as pl
import pytest

from plania.config import Environment
from plania.rules.simulate import synthetic_applications
from plania.schemes.simulate_cli import SimulateError, build_parser, run

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
    run(build_parser().parse_args(args), stdout=out, stderr=err, limits=Environment())
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
    with pytest.raises(SimulateError, match=message):
        _run(*args, "--applications", str(applications))


def test_missing_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("application_id,department\nA1,31\n")
    with pytest.raises(SimulateError, match="missing column"):
        _run("startup-industrie-demain", "--at", "2025-06-01", "--applications", str(path))


def _plania(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script as people run it, in another process, its imports timed."""
    script = Path(sys.executable).parent / "plania"
    # No database, no settings module: none is needed (a bad URL would fail any query).
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", **(env or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-X", "importtime", str(script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _imported(stderr: str) -> set[str]:
    # -X importtime: "import time: self [us] | cumulative | imported package" per module.
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_simulate_runs_without_django(applications: Path) -> None:
    done = _plania(
        "simulate",
        "startup-industrie-demain",
        "--at",
        "2025-06-01",
        "--applications",
        str(applications),
        "--json",
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["n"] == N - 3 and summary["n_rejected_rows"] == 3
    assert "row 10 (line 11), colonne/column headcount: valeur/value 'douze'" in done.stderr
    imported = _imported(done.stderr)
    assert {"polars", "plania.rules.simulate", "plania.schemes.simulate_cli"} <= imported
    assert not {m for m in imported if m.split(".")[0] == "django" or m == "plania.settings"}


def test_simulate_errors_and_help_without_django(tmp_path: Path) -> None:
    """Refusals: exit status 1, one line on stderr with the message, nothing on stdout; bad
    usage: argparse's status 2; --help: status 0. None of them starts Django."""
    missing = _plania(
        "simulate", "startup-industrie-demain", "--at", "2025-06-01", "--applications",
        str(tmp_path / "absent.csv"),
    )  # fmt: skip
    assert missing.returncode == 1 and missing.stdout == ""
    errors = [ln for ln in missing.stderr.splitlines() if not ln.startswith("import time:")]
    assert errors == [
        f"CommandError: {tmp_path / 'absent.csv'}: illisible / cannot be read: "
        "No such file or directory"
    ]
    limit = _plania(
        "simulate", "startup-industrie-demain", "--at", "2025-06-01", "--applications",
        str(tmp_path / "absent.csv"),
        env={"PLANIA_SIMULATE_MAX_BYTES": "beaucoup"},
    )  # fmt: skip
    assert limit.returncode == 1
    assert "CommandError: PLANIA_SIMULATE_MAX_BYTES='beaucoup': " in limit.stderr
    usage = _plania("simulate", "startup-industrie-demain")
    assert usage.returncode == 2
    assert "plania simulate: error: the following arguments are required: --at" in usage.stderr
    for args in (("simulate", "--help"), ("help", "simulate")):
        shown = _plania(*args)
        assert shown.returncode == 0 and "usage: plania simulate" in shown.stdout
        assert "--applications" in shown.stdout and "--set NAME=VALUE" in shown.stdout
    for done in (missing, limit, usage, shown):
        assert "Traceback" not in done.stderr
        assert not {m for m in _imported(done.stderr) if m.split(".")[0] == "django"}


def test_other_commands_still_start_django() -> None:
    """The dispatch sends only `simulate` past Django (the check that the test above could
    fail: the same probe sees Django when a management command runs)."""
    done = _plania("help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "django.core.management" in _imported(done.stderr)
