"""Test-wide set-up.

Every test runs on PostgreSQL, the only database: the embedded server under var/postgres
(started by plania.settings) or DATABASE_URL's; pytest-django creates `test_<name>` beside
the database, one per xdist worker (`make test` runs `-n auto`).
`@pytest.mark.browser` tests need Playwright and a Chromium (Debian's `chromium`, or
PLANIA_CHROMIUM=/path/to/chromium): outside CI they skip without one; with CI=true a missing
Chromium is a failure, never a skip.
"""

import os
import shutil
from pathlib import Path

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parent
OUTPUT_DIR = Path(os.environ.get("PLANIA_TEST_OUTPUT", ROOT / "test-output"))
SHARED_DIR = ROOT.parent / "shared"


class InvalidTemplateVariable(str):
    """string_if_invalid that fails the test on an undefined template variable."""

    def __mod__(self, other: object) -> str:
        raise AssertionError(f"Undefined template variable: {other!r}")


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    # Property tests judge results, not speed: on a loaded CI machine (xdist workers,
    # browser tests) input generation and examples can be slow without being wrong.
    hypothesis_settings.register_profile(
        "plania", deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    hypothesis_settings.load_profile("plania")

    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The private storage of the tests is a folder of their own, never the instance's
    # var/media/private: `make demo` writes its chain checkpoints there, which
    # `plania verify_integrity` would otherwise compare the tests' chains with.
    if settings.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):
        import atexit
        import tempfile

        private = Path(tempfile.mkdtemp(prefix="plania-private-"))
        atexit.register(shutil.rmtree, private, True)
        settings.PLANIA_PRIVATE_ROOT = private
        backend = settings.STORAGES["private"]
        options = {**backend.get("OPTIONS", {}), "location": private}
        settings.STORAGES = {**settings.STORAGES, "private": {**backend, "OPTIONS": options}}
    # Background jobs run at once, in the test's process, whatever PLANIA_TASKS_BACKEND says:
    # a test reads mail.outbox right after the commit (tests/ops/test_tasks_postgres.py runs
    # the real worker on the database backend).
    from django_tasks.signals import clear_tasks_handlers

    settings.TASKS = {
        **settings.TASKS,
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        },
    }
    clear_tasks_handlers(setting="TASKS")  # as after override_settings(TASKS=...)


def _missing(reason: str) -> None:
    if CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Each test starts in French: a request to /en/ leaves English active in the thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _tasks_succeed(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A background job that fails during a test fails the test, as a mail sent in the
    request did before jobs (the immediate backend records the failure and goes on). A
    test that makes a job fail on purpose asks for `failed_tasks` and checks the list."""
    from django_tasks import TaskResultStatus
    from django_tasks.signals import task_finished

    failed: list = []

    def record(sender, task_result, **kwargs):  # type: ignore[no-untyped-def]
        if task_result.status == TaskResultStatus.FAILED:
            failed.append(task_result)

    task_finished.connect(record, dispatch_uid="plania-tests-failed-tasks")
    request.node.plania_failed_tasks = failed
    yield
    task_finished.disconnect(dispatch_uid="plania-tests-failed-tasks")
    if failed and "failed_tasks" not in request.fixturenames:
        errors = "\n".join(e.traceback for r in failed for e in r.errors)
        pytest.fail(f"{len(failed)} background job(s) failed:\n{errors}", pytrace=False)


@pytest.fixture
def failed_tasks(request: pytest.FixtureRequest) -> list:
    """The jobs that failed in this test (immediate backend), for a test that expects it."""
    return request.node.plania_failed_tasks  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("PLANIA_CHROMIUM") or shutil.which("chromium")
    if not path:
        _missing(
            "this test needs headless Chromium: apt-get install chromium "
            "(or set PLANIA_CHROMIUM=/path/to/chromium)"
        )
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def browser(chromium_path: str):  # type: ignore[no-untyped-def]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        _missing("this test needs Playwright for Python (uv sync installs it)")
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told the test knows what it does.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shared_dir() -> Path:
    return SHARED_DIR
