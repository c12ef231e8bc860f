"""The `plania` console script: Django's management commands without knowing where manage.py is.

`uv run plania load_plan FILE`, `uv run plania runserver`, `uv run plania migrate`...

`plania simulate` is the exception: the rules core over a CSV file, it needs neither
settings nor database, so it runs without starting Django (plania/schemes/simulate_cli.py).
"""

import os
import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["simulate"] or args[:2] == ["help", "simulate"]:
        from plania.schemes.simulate_cli import main as simulate

        sys.exit(simulate(args[1:] if args[0] == "simulate" else ["--help"]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plania.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["plania", *args])


if __name__ == "__main__":
    main()
