"""plania export_scdl [--output FILE] [--format csv|json]: the SCDL "subventions" file."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from plania.opendata import scdl


class Command(BaseCommand):
    help = "Write the SCDL 'subventions' v2.1.1 open data of the awards (CSV or JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", "-o", default="-", help="file (default: stdout)")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            export = scdl.export()
        except scdl.ScdlError as exc:
            raise CommandError(str(exc)) from exc
        chunks = (
            scdl.csv_lines(export.rows())
            if options["format"] == "csv"
            else scdl.json_chunks(export.rows())
        )
        if options["output"] == "-":
            out = sys.stdout
            for chunk in chunks:
                out.write(chunk)
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
        self.stderr.write(f"SCDL {options['format']} written to {options['output']}")
