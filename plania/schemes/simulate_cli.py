"""`plania simulate SCHEME --at DATE --applications FILE [--set NAME=VALUE ...]
[--output FILE] [--json] [--no-progress]`: what a scheme version would cost over a set of
applications (docs/simulation.md).

Runs without Django: `plania/__main__.py` sends `simulate` here before Django's settings
are loaded. The scheme versions are the files of plania/data/schemes and the applications
a CSV file, so nothing needs the database; starting Django would cost about a second for
nothing (issue 12). Reading, rules and sums live in `plania.rules.simulate`; this module
only parses the arguments, takes the file size limit from `plania.config` (the environment,
without Django) and prints. An import-linter contract keeps Django out of it.

Exit status 0 when the simulation ran (refused rows are reported on stderr and counted,
they do not fail the run), 1 when it could not run (message on stderr, no traceback), 2
for arguments argparse cannot read.
"""

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from typing import TextIO

from plania import config
from plania.rules.award import AwardConfigError
from plania.rules.params import ParameterError, ParameterNotInForce
from plania.rules.schemes import SchemeFileError, SchemeNotFound
from plania.rules.simulate import (
    SimulationInputError,
    parse_overrides,
    simulate_file,
    summary_json_line,
    write_per_row,
)

MAX_ERRORS_SHOWN = 50
# What the command printed before it left Django (scripts may match on it).
ERROR_PREFIX = "CommandError: "

HELP = (
    "Simule un dispositif sur un fichier de dossiers / simulate a scheme over a CSV of "
    "applications (docs/simulation.md)."
)

# The rules core's refusals: each becomes one line on stderr and exit status 1.
REFUSALS = (
    SchemeNotFound,
    SchemeFileError,
    ParameterError,
    ParameterNotInForce,
    AwardConfigError,
    SimulationInputError,
)


class SimulateError(Exception):
    """The simulation could not run; the message says why, for the person who ran it."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plania simulate", description=HELP)
    parser.add_argument("scheme", help="scheme identifier, e.g. startup-industrie-demain")
    parser.add_argument("--at", required=True, help="evaluation date YYYY-MM-DD")
    parser.add_argument("--applications", required=True, help="input CSV file")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter for this simulation (repeatable)",
    )
    parser.add_argument("--output", help="write the per-application results to this CSV")
    parser.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object last"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on large files")
    return parser


def run(
    args: argparse.Namespace,
    *,
    stdout: TextIO,
    stderr: TextIO,
    limits: config.Environment | None = None,
) -> None:
    """Simulate and print; raises SimulateError when the simulation cannot run.

    `limits`: the environment (plania.config, read once per process when not given); the
    largest file read is PLANIA_SIMULATE_MAX_BYTES (1 GiB, about ten million
    applications), a larger file is refused before it is read."""
    try:
        at = date.fromisoformat(args.at)
    except ValueError:
        raise SimulateError(f"--at: expected a date YYYY-MM-DD, got {args.at!r}") from None
    try:
        overrides = parse_overrides(args.overrides)
        max_bytes = (limits or config.env()).simulate_max_bytes
        sim = simulate_file(
            args.scheme,
            at=at,
            applications=args.applications,
            overrides=overrides,
            keep_rows=bool(args.output),
            progress=False if args.no_progress else None,
            max_bytes=max_bytes,
        )
    except (*REFUSALS, config.ConfigurationError) as exc:
        raise SimulateError(str(exc)) from None
    for err in sim.errors[:MAX_ERRORS_SHOWN]:
        print(f"Ligne refusée / rejected row: {err.message()}", file=stderr)
    if len(sim.errors) > MAX_ERRORS_SHOWN:
        print(
            f"… {len(sim.errors) - MAX_ERRORS_SHOWN} autre(s) erreur(s) / more error(s)",
            file=stderr,
        )
    if args.output:
        write_per_row(sim, args.output)
    lines = sim.summary_lines()
    if args.output:
        lines.append(f"Résultats par dossier / per-application results: {args.output}")
    if args.json:
        lines.append(summary_json_line(sim))
    stdout.write("\n".join(lines) + "\n")


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """`plania simulate ARGS...`: the exit status (argparse exits by itself on bad usage
    and on --help)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        run(args, stdout=out, stderr=err)
    except SimulateError as exc:
        out.flush()
        print(f"{ERROR_PREFIX}{exc}", file=err)
        return 1
    return 0
