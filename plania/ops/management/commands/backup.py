from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files, with a manifest (docs/deploy.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="an empty folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{options['output']}: {sum(manifest['counts'].values())} rows, "
            f"{len(manifest['files'])} files"
        )
