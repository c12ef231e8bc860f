"""Work the first requests of a fresh web process would otherwise pay for, done when the
process starts (plania/wsgi.py), before it takes requests.

Without it, each gunicorn process parses and validates the scheme files and the lab
directory (YAML) and imports every view module on its first requests, all of its threads
at once: at the opening of a deadline rush on freshly started processes that was a fifth
of the time spent answering submissions (bench/deadline_rush.py, sampled with py-spy).
Nothing here touches the database: the processes may fork after it.
"""

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm() -> None:
    from plania.applications.labs import lab_directory
    from plania.schemes.selectors import scheme_versions

    get_resolver().url_patterns  # noqa: B018 - imports every URL module and view
    scheme_versions()
    lab_directory()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Dossier")
