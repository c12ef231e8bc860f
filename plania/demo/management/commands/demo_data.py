"""plania demo_data --applications N --seed S: demo data at scale (plania.demo.scale).

Deterministic for a seed; refuses to write the same seed twice. Loads the plans when
`demo_setup` has not run. `--entries` adds small ledger movements until the ledger holds
at least that many entries (what bench/steering_at_scale.py uses).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from plania.demo.scale import already_generated, generate


class Command(BaseCommand):
    help = "Generate deterministic demo data at scale (companies, dossiers, awards, ledger)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--applications", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--entries", type=int, default=0)
        parser.add_argument("--award-share", type=float, default=0.05)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["applications"] < 0 or not 0 <= options["award_share"] <= 1:
            raise CommandError("--applications >= 0 and 0 <= --award-share <= 1.")
        if already_generated(options["seed"]):
            self.stdout.write(f"demo data of seed {options['seed']}: already there")
            return
        counts = generate(
            applications=options["applications"],
            seed=options["seed"],
            entries=options["entries"],
            award_share=options["award_share"],
        )
        states = ", ".join(f"{k} {v}" for k, v in sorted(counts.states.items()))
        self.stdout.write(
            f"demo data (seed {options['seed']}): {counts.companies} companies, "
            f"{counts.applications} dossiers ({states}) with {counts.events} history rows, "
            f"{counts.proposals} proposals, "
            f"{counts.sessions} committee sessions, {counts.awards} awards, "
            f"{counts.payments} payments, {counts.repayments} repayments, "
            f"{counts.ledger_entries} ledger entries ({counts.topups} top-up allocations)"
        )
