"""Walk every hash chain (plania.core.chain) and check the ledger's running totals.

`plania verify_integrity` names, for each broken chain, the first row whose stored hash
is not the one recomputed from its fields and its predecessor (table, id, expected,
found); an envelope whose chain head (EnvelopeBalance.chain_head) is not its last entry's
hash (rows removed at the end); and the problems of
`plania.ledger.selectors.balances_match_entries()`. Exit status 1 when anything is
wrong, 0 otherwise.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from plania.applications.models import ApplicationEvent
from plania.awards.models import AwardEvent
from plania.core.chain import verify_model
from plania.instruction.models import Proposal
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.ledger.selectors import balances_match_entries

CHAINED = (LedgerEntry, ApplicationEvent, AwardEvent, Proposal)


def integrity_problems() -> tuple[list[str], dict[str, int]]:
    """Every problem found, as lines, and the number of rows checked per table."""
    problems: list[str] = []
    counts: dict[str, int] = {}
    for model in CHAINED:
        count, mismatches, heads = verify_model(model)
        counts[model._meta.db_table] = count
        problems.extend(str(m) for m in mismatches)
        if model is LedgerEntry:
            stored = dict(EnvelopeBalance.objects.values_list("envelope_id", "chain_head"))
            for envelope_id in sorted(set(stored) | {key[0] for key in heads}):
                last = heads.get((envelope_id,), "")
                if stored.get(envelope_id, "") != last:
                    problems.append(
                        f"{EnvelopeBalance._meta.db_table} envelope {envelope_id}: chain head "
                        f"expected {last or '(none)'}, found {stored.get(envelope_id) or '(none)'}"
                    )
    problems.extend(f"ledger balances: {p}" for p in balances_match_entries())
    return problems, counts


class Command(BaseCommand):
    help = "Check the hash chains of the ledger and of history rows, and the ledger totals."

    def handle(self, *args: Any, **options: Any) -> None:
        problems, counts = integrity_problems()
        for table, count in counts.items():
            self.stdout.write(f"{table}: {count} rows checked")
        if problems:
            for line in problems:
                self.stderr.write(f"MISMATCH {line}")
            raise CommandError(f"{len(problems)} integrity problem(s) found.")
        self.stdout.write(self.style.SUCCESS("All chains and ledger totals match."))
