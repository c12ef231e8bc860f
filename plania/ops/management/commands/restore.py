from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup of `plania backup` into an empty, migrated instance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="the backup folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(options["source"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {sum(manifest['counts'].values())} rows, {len(manifest['files'])} files"
        )
