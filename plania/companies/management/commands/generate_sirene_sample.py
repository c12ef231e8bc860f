from django.core.management.base import BaseCommand, CommandError

from plania.companies.sirene import generate_sample


class Command(BaseCommand):
    help = (
        "Write a sample SIRENE stock file in INSEE's exact format (official header, valid "
        "SIRENs and SIRETs, seeded): StockUniteLegale to --out and, with --establishments, "
        "a StockEtablissement file with each unit's head office. For tests, demos and the "
        "import benchmark; the companies are fictitious."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--units", type=int, required=True, metavar="N")
        parser.add_argument("--out", required=True, metavar="FILE")
        parser.add_argument("--establishments", metavar="FILE")
        parser.add_argument("--zip", action="store_true", help="write zips, as INSEE does")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--ceased-share", type=float, default=0.08, help="share of ceased units (0..1)"
        )

    def handle(self, *args, units, out, establishments, zip, seed, ceased_share, **o):  # type: ignore[no-untyped-def]
        if units < 0:
            raise CommandError("--units must be positive")
        if not 0 <= ceased_share <= 1:
            raise CommandError("--ceased-share is between 0 and 1")
        generate_sample(
            units=units,
            out=out,
            establishments_out=establishments,
            seed=seed,
            use_zip=zip,
            ceased_share=ceased_share,
        )
        written = f"{out}" + (f" and {establishments}" if establishments else "")
        self.stdout.write(self.style.SUCCESS(f"{units} units written to {written}."))
