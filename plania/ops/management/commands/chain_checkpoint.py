"""`plania chain_checkpoint`: write every hash chain's rows and last hash to the private
storage (plania.ops.checkpoint), daily from cron (docs/deploy.md); `plania verify_integrity`
compares the chains with the latest one."""

from typing import Any

from django.core.management.base import BaseCommand

from plania.ops import checkpoint


class Command(BaseCommand):
    help = "Write a sealed checkpoint of every hash chain's head and row count."

    def handle(self, *args: Any, **options: Any) -> None:
        name, body = checkpoint.write()
        for table, entry in body["tables"].items():
            self.stdout.write(
                f"{table}: {entry['rows']} rows in {entry['chains']} chains, "
                f"fingerprint {entry['fingerprint']}"
            )
        self.stdout.write(self.style.SUCCESS(f"Checkpoint written: {name}"))
