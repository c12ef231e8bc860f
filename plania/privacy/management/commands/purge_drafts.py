"""`plania purge_drafts [--dry-run] [--warn-days 30]`: the retention of drafts never
submitted (issue 7 item 6; plania.privacy.services). Warns the company's members once,
`--warn-days` before, then deletes each draft past retention in its own transaction."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from plania.privacy.services import DraftNotDeletable, draft_delete, draft_warn, drafts_due


class Command(BaseCommand):
    help = "Warn about, then delete, drafts never submitted past their retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")
        parser.add_argument(
            "--warn-days",
            type=int,
            default=30,
            help="Warn the company's members this many days before deletion (default 30).",
        )

    def handle(self, *args: Any, dry_run: bool, warn_days: int, **options: Any) -> None:
        if warn_days < 0:
            self.stderr.write("--warn-days must be 0 or more.")
            raise SystemExit(2)
        now = timezone.now()
        prefix = "[dry run] " if dry_run else ""
        warned = deleted = skipped = 0
        for item in drafts_due(now=now, warn_days=warn_days):
            app = item.application
            deadline = timezone.localtime(item.deadline).date().isoformat()
            if item.warn:
                if dry_run:
                    self.stdout.write(f"{prefix}would warn {app.reference} (deletion {deadline})")
                else:
                    count = draft_warn(application=app, deadline=item.deadline, now=now)
                    self.stdout.write(
                        f"warned {app.reference}: {count} member(s), deletion {deadline}"
                    )
                warned += 1
            if item.delete:
                if dry_run:
                    self.stdout.write(f"{prefix}would delete {app.reference}")
                    deleted += 1
                    continue
                try:
                    counts = draft_delete(application=app)
                except DraftNotDeletable as exc:
                    self.stderr.write(f"skipped {exc}")
                    skipped += 1
                    continue
                detail = ", ".join(f"{v} {k}" for k, v in counts.items())
                self.stdout.write(f"deleted {app.reference} ({detail})")
                deleted += 1
        verb = "would be " if dry_run else ""
        self.stdout.write(
            f"{prefix}{warned} draft(s) {verb}warned, {deleted} {verb}deleted, {skipped} skipped."
        )
