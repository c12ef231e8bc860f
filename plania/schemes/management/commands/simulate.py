"""`plania simulate SCHEME --at DATE --applications FILE [--set NAME=VALUE ...]
[--output FILE] [--json]`: what a scheme version would cost over a set of applications.

Thin on purpose: reading, rules and sums live in `plania.rules.simulate`
(docs/simulation.md).
"""

import os
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.rules.award import AwardConfigError
from plania.rules.params import ParameterError, ParameterNotInForce
from plania.rules.schemes import SchemeFileError, SchemeNotFound
from plania.rules.simulate import (
    MAX_INPUT_BYTES,
    SimulationInputError,
    parse_overrides,
    simulate_file,
    summary_json_line,
    write_per_row,
)

MAX_ERRORS_SHOWN = 50
# The largest applications file read (bytes); the default is the rules core's (1 GiB,
# about ten million applications). A larger file is refused before it is read.
MAX_BYTES_ENV = "PLANIA_SIMULATE_MAX_BYTES"


def max_bytes() -> int:
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return MAX_INPUT_BYTES
    if not raw.isdigit() or int(raw) == 0:
        raise CommandError(f"{MAX_BYTES_ENV}={raw!r} is not a positive whole number of bytes")
    return int(raw)


class Command(BaseCommand):
    help = (
        "Simule un dispositif sur un fichier de dossiers / simulate a scheme over a CSV of "
        "applications (docs/simulation.md)."
    )
    requires_system_checks: list[str] = []  # pure computation: no database, no URLs

    def add_arguments(self, parser: CommandParser) -> None:
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
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar on large files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            at = date.fromisoformat(options["at"])
        except ValueError:
            raise CommandError(f"--at: expected a date YYYY-MM-DD, got {options['at']!r}") from None
        try:
            sim = simulate_file(
                options["scheme"],
                at=at,
                applications=options["applications"],
                overrides=parse_overrides(options["overrides"]),
                keep_rows=bool(options["output"]),
                progress=False if options["no_progress"] else None,
                max_bytes=max_bytes(),
            )
        except (
            SchemeNotFound,
            SchemeFileError,
            ParameterError,
            ParameterNotInForce,
            AwardConfigError,
            SimulationInputError,
        ) as exc:
            raise CommandError(str(exc)) from None
        for err in sim.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(f"Ligne refusée / rejected row: {err.message()}")
        if len(sim.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(
                f"… {len(sim.errors) - MAX_ERRORS_SHOWN} autre(s) erreur(s) / more error(s)"
            )
        if options["output"]:
            write_per_row(sim, options["output"])
        for line in sim.summary_lines():
            self.stdout.write(line)
        if options["output"]:
            self.stdout.write(
                f"Résultats par dossier / per-application results: {options['output']}"
            )
        if options["json"]:
            self.stdout.write(summary_json_line(sim))
