"""plania jobs_stalled [--minutes N] [--requeue]: list the background jobs still marked
running N minutes (default 30) after they started — their worker was killed or its
machine lost mid-job (docs/deploy.md, "Background jobs") — and, with --requeue, put them
back in the queue so that a worker runs them again (a mail may then go twice)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from plania.ops.services import jobs_requeue, jobs_stalled


class Command(BaseCommand):
    help = "List (and with --requeue, queue again) jobs still running N minutes after they started."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=30)
        parser.add_argument("--requeue", action="store_true")

    def handle(self, *args: Any, minutes: int, requeue: bool, **options: Any) -> None:
        before = timezone.now() - timedelta(minutes=minutes)
        stalled = jobs_stalled(started_before=before)
        for job in stalled:
            workers = ", ".join(job.worker_ids) or "?"
            self.stdout.write(
                f"{job.id} {job.task_path} started {job.started_at:%Y-%m-%d %H:%M:%S} "
                f"by {workers} args={job.args_kwargs}"
            )
        if requeue:
            count = jobs_requeue(started_before=before)
            self.stdout.write(f"{count} job(s) queued again")
        else:
            self.stdout.write(
                f"{len(stalled)} job(s) running for more than {minutes} minutes"
                + (" (--requeue to run them again)" if stalled else "")
            )
