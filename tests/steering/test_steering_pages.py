"""The steering page, its money figures against the ledger, exports, access, the API."""

import csv
import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import plan_balances
from plania.ledger.services import ledger_commit, ledger_decommit, ledger_pay, ledger_repay
from plania.plans.models import Envelope, Plan
from plania.steering.selectors import steering_overview
from tests.factories import UserFactory
from tests.security.otp import otp_force_login
from tests.steering.data import AS_OF, award, dataset, steering_user


@pytest.fixture
def data(db):
    return dataset()


@pytest.fixture
def steering_client(client, data):
    otp_force_login(client, steering_user())
    return client


def _sum(kind, **filters):
    total = LedgerEntry.objects.filter(kind=kind, **filters).aggregate(t=Sum("amount"))["t"]
    return D(total or 0).quantize(D("0.01"))


def test_money_equals_ledger_sums(data):
    o = steering_overview(as_of=AS_OF)
    plans = list(Plan.objects.all())
    # Per envelope: the ledger's own balances.
    balances = {pk: b for p in plans for pk, b in plan_balances(p).items()}
    for row in o.envelopes:
        assert row.balances == balances[row.envelope.pk]
    # Totals over the root envelopes: raw sums of the entries.
    assert o.totals["committed"] == _sum("commitment") - _sum("decommitment")
    assert o.totals["committed"] == D("1070000.00")  # 27 x 10,000 + 4 x 200,000
    assert o.totals["paid"] == _sum("payment") == D("104000.00")
    assert o.totals["repaid"] == _sum("repayment") == D("2500.00")
    assert o.totals["allocated"] == D("62000000.00")  # the plan's 60M and the programme's 2M
    # Per budget year: the grouped rows add up to the entries of that year.
    for year in (2024, 2025, 2026):
        rows = [r for r in o.years if r.year == year]
        assert sum((r.committed for r in rows), D(0)) == _sum("commitment", budget_year=year)
        assert sum((r.paid for r in rows), D(0)) == _sum("payment", budget_year=year)
    pace = {p.year: p for p in o.pace}
    assert pace[2024].committed == D("100000.00") and pace[2024].planned_cumulative == D(
        "12000000.00"
    )
    assert pace[2026].cumulative == D("270000.00")


def test_floor_met_only_above_it(data):
    post_bac = Envelope.objects.get(code="ia-axe-4-post-bac")

    def floor():
        return next(r for r in steering_overview(as_of=AS_OF).envelopes if r.envelope == post_bac)

    assert floor().floor_met is False
    ledger_commit(
        envelope=post_bac, amount="1000000.00", budget_year=2025, on=date(2025, 5, 1),
        reference="CP/F", reason="Formations", actor_label="tests",
    )  # fmt: skip
    assert floor().floor_met is False  # "plus d'un million": exactly 1M is not more
    ledger_commit(
        envelope=post_bac, amount="0.01", budget_year=2025, on=date(2025, 5, 2),
        reference="CP/G", reason="Formations", actor_label="tests",
    )  # fmt: skip
    assert floor().floor_met is True


def test_page_shows_targets_money_and_charts(steering_client):
    response = steering_client.get("/pilotage/?au=2026-07-02")
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("innovation-projects", "ai-company-creations", "jei-per-year", "people-trained"):
        assert f'data-target="{code}"' in html
    assert html.count("<svg") >= 6 and "<title" in html and "<desc" in html
    assert "style=" not in html and "<script" not in html
    assert "90 %" in html and "70 %" in html  # the rule is stated


def test_query_count_does_not_grow_with_awards(steering_client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        steering_client.get("/pilotage/")
    assert len(before.captured_queries) <= 40
    for i in range(5):
        award(envelope="ia-axe-1-rd", scheme="ia-rd-projets", on=date(2026, 4, 1 + i))
    with django_assert_num_queries(len(before.captured_queries)):
        steering_client.get("/pilotage/")


def test_one_read_of_the_ledger_whatever_its_size(steering_client, django_assert_num_queries):
    """Every money figure of the page (envelopes, budget years, pace, chart) comes from one
    read of the ledger's kept yearly totals (never of the entries themselves), and more
    entries (more budget years, every kind, several envelopes) add no query; the figures
    stay the sums of the entries, to the cent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        steering_client.get("/pilotage/")
    sqls = [q["sql"] for q in before.captured_queries]
    assert not [q for q in sqls if "ledger_ledgerentry" in q]
    ledger_reads = [q for q in sqls if "ledger_ledgeryeartotal" in q]
    assert len(ledger_reads) == 1, ledger_reads

    envelopes = ("ia-axe-1-rd", "ia-axe-2", "ia-axe-4-post-bac", "startup-industrie-demain-2025")
    for i, code in enumerate(envelopes):
        year = 2025 if code.endswith("2025") else 2026 + i % 2
        for n in range(3):
            commitment = ledger_commit(
                envelope=Envelope.objects.get(code=code), amount="1000.01", budget_year=year,
                on=date(year, 2, 1 + n), reference=f"CP/Q{i}{n}", reason="Aide",
                actor_label="tests",
            )  # fmt: skip
            moves = {"budget_year": year, "on": date(year, 3, 1 + n), "actor_label": "tests"}
            ledger_pay(commitment=commitment, amount="600.00", reference="M", reason="M", **moves)
            ledger_decommit(
                commitment=commitment, amount="0.01", reference="D", reason="D", **moves
            )
            ledger_repay(commitment=commitment, amount="100.00", reference="R", reason="R", **moves)
    with django_assert_num_queries(len(before.captured_queries)):
        assert steering_client.get("/pilotage/").status_code == 200

    o = steering_overview(as_of=AS_OF)
    assert o.totals["committed"] == _sum("commitment") - _sum("decommitment")
    assert o.totals["paid"] == _sum("payment") and o.totals["repaid"] == _sum("repayment")
    for year in (2024, 2025, 2026, 2027):
        rows = [r for r in o.years if r.year == year]
        net = _sum("commitment", budget_year=year) - _sum("decommitment", budget_year=year)
        assert sum((r.committed for r in rows), D(0)) == net
        assert sum((r.repaid for r in rows), D(0)) == _sum("repayment", budget_year=year)


@pytest.mark.parametrize(
    "name",
    ["objectifs", "objectifs-par-annee", "mesures", "enveloppes", "exercices", "rythme", "aides"],
)
def test_exports_parse(steering_client, name):
    response = steering_client.get(f"/pilotage/export/{name}.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]
    response = steering_client.get(f"/pilotage/export/{name}.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.active.max_row == len(rows)
    if name == "aides":
        assert len(rows) == 1 + 31


def test_annual_report_pdf(steering_client):
    from pypdf import PdfReader

    response = steering_client.get("/pilotage/rapport-annuel.pdf?au=2026-07-02")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    assert "Stratégie IA Occitanie" in flat
    assert "Projets d'innovation accompagnés" in flat or "Projets d’innovation" in flat
    assert "AW-" in flat and "ia-rd-projets" in flat  # the list of awards


def test_measurement_entry_page(steering_client):
    url = "/pilotage/objectifs/jei-per-year/mesures/"
    assert steering_client.get(url).status_code == 200
    response = steering_client.post(
        url, {"year": 2025, "value": "60", "measured_on": "2026-03-01", "source": "DGFiP"}
    )
    assert response.status_code == 302
    assert (
        steering_client.get("/pilotage/objectifs/innovation-projects/mesures/").status_code == 404
    )


@pytest.mark.parametrize("role", [None, "officer", "committee", "finance", "applicant"])
def test_other_roles_get_404(client, data, role):
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=role is not None)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    otp_force_login(client, user)
    for url in (
        "/pilotage/",
        "/pilotage/export/enveloppes.csv",
        "/pilotage/rapport-annuel.pdf",
        "/pilotage/objectifs/jei-per-year/mesures/",
        "/api/v1/steering/",
    ):
        assert client.get(url).status_code == 404, url


def test_api(steering_client):
    body = steering_client.get("/api/v1/steering/?au=2026-07-02").json()
    targets = {t["code"]: t for t in body["targets"]}
    assert (
        targets["innovation-projects"]["actual"] == "27"
        or D(targets["innovation-projects"]["actual"]) == 27
    )
    assert targets["innovation-projects"]["status"] == "off_track"
    response = steering_client.post(
        "/api/v1/steering/targets/jei-per-year/measurements",
        {"year": 2025, "value": "60", "measured_on": "2026-03-01", "source": "DGFiP"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    bad = steering_client.post(
        "/api/v1/steering/targets/jei-per-year/measurements",
        {"year": 2025, "value": "60", "measured_on": "2026-03-01", "source": ""},
        content_type="application/json",
    )
    assert bad.status_code == 400
