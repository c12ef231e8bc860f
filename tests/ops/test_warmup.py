"""A web process parses the scheme files and the lab directory when it starts (wsgi.py),
not on its first requests."""

from plania.applications import labs
from plania.ops.warmup import warm
from plania.rules.schemes import SCHEMES_DIR, iter_scheme_files
from plania.schemes import selectors


def test_warm_fills_the_caches_a_submission_reads():
    selectors._load.cache_clear()
    labs._load.cache_clear()
    warm()
    assert selectors._load.cache_info().currsize == len(list(iter_scheme_files(SCHEMES_DIR)))
    assert labs._load.cache_info().currsize == 1
    hits = selectors._load.cache_info().hits
    selectors.scheme_versions()  # what a request does next: no parsing
    assert selectors._load.cache_info().hits > hits
    assert selectors._load.cache_info().misses == len(list(iter_scheme_files(SCHEMES_DIR)))


def test_the_wsgi_module_warms_at_import():
    import importlib

    import plania.wsgi

    selectors._load.cache_clear()
    importlib.reload(plania.wsgi)
    assert selectors._load.cache_info().currsize > 0
