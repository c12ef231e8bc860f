"""`plania verify_integrity`: walk every hash chain and check the ledger's running totals
(plania.ops.integrity).

It names, for each broken chain, the first row whose stored hash is not the one
recomputed from its fields and its predecessor (table, id, expected, found); an envelope
whose chain head (EnvelopeBalance.chain_head) is not its last entry's hash (rows removed
at the end); every chain that differs from the latest checkpoint written by `plania
chain_checkpoint` (plania.ops.checkpoint: a deleted tail or chain, a recomputed chain, a
checkpoint whose seal is not the key's); and the problems of
`plania.ledger.selectors.balances_match_entries()`. Exit status 1 when anything is wrong,
0 otherwise.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from plania.ops.integrity import integrity_problems


class Command(BaseCommand):
    help = "Check the hash chains of the ledger and of history rows, and the ledger totals."

    def handle(self, *args: Any, **options: Any) -> None:
        problems, counts, checkpoint = integrity_problems()
        for table, count in counts.items():
            self.stdout.write(f"{table}: {count} rows checked")
        if checkpoint:
            self.stdout.write(f"compared with the checkpoint {checkpoint}")
        else:
            self.stdout.write("no checkpoint to compare with (plania chain_checkpoint)")
        if problems:
            for line in problems:
                self.stderr.write(f"MISMATCH {line}")
            raise CommandError(f"{len(problems)} integrity problem(s) found.")
        self.stdout.write(self.style.SUCCESS("All chains and ledger totals match."))
