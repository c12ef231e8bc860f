"""The steering page in a real headless Chromium, as a steering user past the second factor."""

from decimal import Decimal as D

import pytest
from django.conf import settings

from plania.core.formats import format_eur
from plania.steering.selectors import steering_overview
from tests.steering.data import dataset, steering_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_steering_page_figures_match_the_database(live_server, page, output_dir, monkeypatch):
    monkeypatch.setattr(settings, "PLANIA_OTP_REQUIRED", False)
    dataset()
    steering_user(email="pilotage@region.example")
    page.goto(live_server.url + "/compte/connexion/")
    page.fill("input[name=username]", "pilotage@region.example")
    page.fill("input[name=password]", "correct horse battery staple")
    page.locator("main button[type=submit]").first.click()
    page.goto(live_server.url + "/pilotage/")
    o = steering_overview()
    axis1 = next(r for r in o.axes if r.envelope.code == "ia-axe-1")
    row = page.locator("[data-testid=axes-table] tr[data-envelope=ia-axe-1]")
    assert format_eur(axis1.balances.committed) in row.inner_text()
    assert axis1.balances.committed == D("270000.00")
    target = page.locator("section[data-target=innovation-projects]")
    assert target.locator("[data-testid=actual]").inner_text().strip() == "27"
    shot = output_dir / "steering.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
