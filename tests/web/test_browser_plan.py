"""The plan page in a real headless Chromium (Playwright)."""

from pathlib import Path

import pytest

from plania.ledger.plan_load import plan_load

PLANS = Path(__file__).resolve().parents[2] / "plania" / "data" / "plans"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_page_shows_the_five_axes(live_server, page, output_dir):
    plan_load(path=PLANS / "occitanie-ia-2024-2028.yaml")
    page.goto(live_server.url + "/")
    assert page.locator("[data-testid=plan-budget]").inner_text() == "60\xa0M\xa0€"
    axes = page.locator("section.axis h3")
    assert axes.count() == 5
    texts = [axes.nth(i).inner_text() for i in range(5)]
    expected = [
        ("Axe 1", "Structuration de la filière IA Occitanie", "22\xa0M\xa0€"),
        ("Axe 2", "Accompagnement des entreprises", "10\xa0M\xa0€"),
        ("Axe 3", "Soutien à la recherche en IA", "14\xa0M\xa0€"),
        ("Axe 4", "Formation aux métiers de demain", "9\xa0M\xa0€"),
        ("Axe 5", "L'IA dans les services et politiques publiques", "5\xa0M\xa0€"),
    ]
    for text, (number, name, amount) in zip(texts, expected, strict=True):
        assert number in text and name in text and amount in text, text
    rd_row = page.locator("tr[data-envelope=ia-axe-1-rd]")
    assert "18\u202f000\u202f000,00\xa0€" in rd_row.inner_text()
    # The language switch leads to the English page.
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_url("**/en/")
    assert "Structuring the Occitanie AI sector" in page.content()
    page.goto(live_server.url + "/")
    shot = output_dir / "plan-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
