"""`plania settings_doc [--write FILE]`: the table of every environment variable, from
plania.config.Environment; --write puts it between the markers of FILE (docs/deploy.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plania.config import table

START = "<!-- variables:start (plania settings_doc --write docs/deploy.md) -->"
END = "<!-- variables:end -->"


def with_table(text: str) -> str:
    """`text` with the table between its markers replaced by the current one."""
    if START not in text or END not in text:
        raise CommandError(f"the markers {START!r} and {END!r} are missing")
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


class Command(BaseCommand):
    help = "Table of PlanIA's environment variables / tableau des variables d'environnement."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--write", metavar="FILE", help="replace the table in FILE")

    def handle(self, *args: object, write: str | None = None, **options: object) -> None:
        if not write:
            self.stdout.write(table())
            return
        path = Path(write)
        path.write_text(with_table(path.read_text()))
        self.stdout.write(f"{path}: table written")
