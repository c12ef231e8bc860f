"""axe-core (npm, pinned in package.json) injected by Playwright into a page of the live
server, for the accessibility tests.

axe-core comes from `npm ci` (make test-browser runs it when node_modules/axe-core is
missing). Outside CI a missing axe-core skips these tests with the reason; with CI=true
it fails them, as a missing Chromium does (see the root conftest.py). The root conftest's
`CI` cannot be imported from here: pytest imports every conftest.py outside a package
under the one module name `conftest`, so `from conftest import CI` would import this file.
"""

import os
from pathlib import Path

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# What axe checks: WCAG 2.0, 2.1 and 2.2 A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _missing(reason: str) -> None:
    if CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        _missing(
            f"this test needs axe-core ({AXE.relative_to(ROOT)}): run `npm ci` at the "
            "project root (make test-browser does when npm is installed)"
        )
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def a11y_page(browser):  # type: ignore[no-untyped-def]
    """A page whose context ignores the Content-Security-Policy: the site's policy allows
    only its own script files, and axe-core is injected as an inline script. Only the
    accessibility tests use this context; every other browser test keeps the policy."""
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe(axe_source):  # type: ignore[no-untyped-def]
    """`axe(page)`: inject axe-core into the page if needed, run it on the whole document
    and return its violations (each with `id`, `impact`, `help`, `helpUrl`, `nodes`)."""

    def run(page) -> list[dict]:  # type: ignore[no-untyped-def]
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=axe_source)
        result = page.evaluate(
            """async (tags) => await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            })""",
            AXE_TAGS,
        )
        return result["violations"]

    return run
