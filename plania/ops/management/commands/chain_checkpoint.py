"""`plania chain_checkpoint`: write every hash chain's rows and last hash to the private
storage (plania.ops.checkpoint), daily from cron (docs/deploy.md); `plania verify_integrity`
compares the chains with the latest one.

It first runs the checks of `verify_integrity` (against the previous checkpoint) and writes
nothing when one fails: a deleted tail must not become the history the next check trusts.
`--force` writes anyway (after an investigation, to start a new reference), saying so.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.ops import checkpoint
from plania.ops.integrity import integrity_problems


class Command(BaseCommand):
    help = "Write a sealed checkpoint of every hash chain's head and row count."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write even when the chains do not match the previous checkpoint.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = integrity_problems().problems
        if problems:
            for line in problems:
                self.stderr.write(f"MISMATCH {line}")
            if not options["force"]:
                raise CommandError(
                    f"{len(problems)} integrity problem(s): no checkpoint written "
                    "(--force to write one anyway)."
                )
            self.stderr.write("Written anyway (--force): it records the history as it is now.")
        name, body = checkpoint.write()
        for table, entry in body["tables"].items():
            self.stdout.write(
                f"{table}: {entry['rows']} rows in {entry['chains']} chains, "
                f"fingerprint {entry['fingerprint']}"
            )
        self.stdout.write(self.style.SUCCESS(f"Checkpoint written: {name}"))
