"""`plania chain_rekey --previous-key-file PATH`: re-hash every chain under the current
PLANIA_CHAIN_KEY, after checking them all under the previous key read from PATH (one line)
and against the latest checkpoint (plania.ops.rekey). Run it with the role that owns the
tables (it disables the append-only triggers for the time of its transaction)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.ops.rekey import RekeyRefused, rekey


class Command(BaseCommand):
    help = "Re-hash every hash chain under the current PLANIA_CHAIN_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--previous-key-file",
            required=True,
            help="A file holding the previous PLANIA_CHAIN_KEY (not on the command line).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            previous = Path(options["previous_key_file"]).read_text().strip()
        except OSError as exc:
            raise CommandError(f"cannot read the previous key: {exc}") from None
        if not previous:
            raise CommandError("the previous key file is empty")
        try:
            counts, name = rekey(previous)
        except RekeyRefused as exc:
            for line in str(exc).splitlines():
                self.stderr.write(f"MISMATCH {line}")
            raise CommandError(
                "the chains do not all match the previous key: nothing changed"
            ) from None
        for table, count in counts.items():
            self.stdout.write(f"{table}: {count} rows re-hashed")
        self.stdout.write(self.style.SUCCESS(f"Re-keyed; checkpoint written: {name}"))
