"""The `plania` console script: Django's management commands without knowing where manage.py is.

`uv run plania load_plan FILE`, `uv run plania runserver`, `uv run plania migrate`...
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plania.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["plania", *sys.argv[1:]])


if __name__ == "__main__":
    main()
