"""plania prune_exports [--days N]: delete background exports (files and rows) finished more
than N days ago (default PLANIA_EXPORTS_KEEP_DAYS). Run it daily, with
`plania prune_db_task_results` for the tasks' own rows (docs/deploy.md)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from plania.ops.services import exports_prune


class Command(BaseCommand):
    help = "Delete background exports (files and rows) finished more than --days days ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.PLANIA_EXPORTS_KEEP_DAYS)

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        count = exports_prune(finished_before=timezone.now() - timedelta(days=days))
        self.stdout.write(f"{count} export(s) deleted")
