"""The steering page in a real headless Chromium, as a steering user past the second factor,
and the public transparency page its money ends up on."""

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db.models import Count, Sum

from plania.awards.models import Award
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


def _public_totals(qs):
    return qs.aggregate(
        n=Count("pk"), total=Sum("total"), grant=Sum("grant"), advance=Sum("advance")
    )


def _shown_totals(page):
    totals = page.locator("table.totals")
    return {
        key: totals.locator(f"[data-total={key}]").inner_text().strip()
        for key in ("count", "total", "grant", "advance")
    }


def test_transparency_page_figures_match_the_database(live_server, page, output_dir):
    """The public page (/transparence/, no login): the totals, one row and a filter, each
    against the awards in the database."""
    data = dataset()
    # One award with a repayable advance, so that the advance column and total say something.
    with_advance = data["awards"][-1]
    Award.objects.filter(pk=with_advance.pk).update(
        grant=D("120000.00"), advance=D("80000.00"), advance_gge=D("8000.00"),
        total_gge=D("128000.00"),
    )  # fmt: skip
    page.goto(live_server.url + "/transparence/")

    db = _public_totals(Award.objects.all())
    shown = _shown_totals(page)
    assert shown["count"] == str(db["n"]) == "31"
    assert shown["total"] == format_eur(db["total"])
    assert shown["grant"] == format_eur(db["grant"])
    assert shown["advance"] == format_eur(db["advance"]) == format_eur(D("80000.00"))
    table = page.locator("[data-testid=awards-table]")
    assert table.locator("tbody tr").count() == 31  # one page (50 per page)

    award = Award.objects.select_related("company").get(pk=with_advance.pk)
    cells = table.locator(f"tr[data-award='{award.reference}'] td").all_inner_texts()
    assert cells[0] == award.company.name  # a legal person is named...
    assert cells[1] == award.company.head_office_siret  # ...with its head office SIRET
    assert cells[3:6] == [
        format_eur(award.total),
        format_eur(award.grant),
        format_eur(award.advance),
    ]
    assert cells[3:6] == [format_eur(D(v)) for v in ("200000.00", "120000.00", "80000.00")]
    assert award.deliberation_reference in cells[6]
    assert award.decided_on.strftime("%d/%m/%Y") in cells[6]
    assert cells[7].startswith(award.company.departement)
    shot = output_dir / "transparency.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # Filter by scheme through the form, as a visitor does.
    page.select_option("#f-dispositif", "startup-industrie-demain")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**dispositif=startup-industrie-demain**")
    db = _public_totals(Award.objects.filter(scheme_code="startup-industrie-demain"))
    shown = _shown_totals(page)
    assert shown["count"] == str(db["n"]) == "4"
    assert shown["total"] == format_eur(db["total"]) == format_eur(D("800000.00"))
    assert shown["grant"] == format_eur(db["grant"])
    assert shown["advance"] == format_eur(db["advance"])
    assert table.locator("tbody tr").count() == 4
    assert table.locator(f"tr[data-award='{award.reference}']").count() == 1
    shot = output_dir / "transparency-filtered.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
