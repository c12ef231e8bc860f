from django.core.management.base import BaseCommand, CommandError

from plania.ledger.plan_load import plan_load
from plania.plans.planfile import PlanFileError


class Command(BaseCommand):
    help = (
        "Load (or reload) a plan file (YAML, format plania-plan/1). Loading the same file "
        "again changes nothing; a changed amount is recorded as a budget revision."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("files", nargs="+", help="plan files, loaded in this order")

    def handle(self, *args, files, **options):  # type: ignore[no-untyped-def]
        for path in files:
            try:
                result = plan_load(path=path, actor_label=f"load_plan {path}")
            except PlanFileError as exc:
                raise CommandError(f"refused, nothing was loaded from this file:\n{exc}") from exc
            plan = result.plan
            if result.created:
                self.stdout.write(
                    self.style.SUCCESS(f"{plan.code}: loaded ({len(result.changes)} items).")
                )
            elif result.changes:
                self.stdout.write(
                    self.style.WARNING(f"{plan.code}: revised, {len(result.changes)} changes:")
                )
                for change in result.changes:
                    self.stdout.write(f"  {change}")
            else:
                self.stdout.write(f"{plan.code}: unchanged.")
