from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from plania.ledger.plan_load import plan_load
from plania.ledger.services import ledger_commit
from plania.plans.models import Envelope

PLANS = Path(__file__).resolve().parents[2] / "plania" / "data" / "plans"
AXES_FR = [
    "Structuration de la filière IA Occitanie",
    "Accompagnement des entreprises",
    "Soutien à la recherche en IA",
    "Formation aux métiers de demain et acquisition des compétences",
    "L&#x27;IA dans les services et politiques publiques",
]
AXES_EN = [
    "Structuring the Occitanie AI sector",
    "Support to companies",
    "Support to AI research",
    "Training for tomorrow&#x27;s jobs and skills",
    "AI in public services and policies",
]


@pytest.fixture
def plan(db):
    plan_load(path=PLANS / "occitanie-ia-2024-2028.yaml")
    return plan_load(path=PLANS / "startup-industrie-demain.yaml").plan


def test_home_without_plan_says_how_to_load_one(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "load_plan" in response.content.decode()


def test_plan_page_in_french(client, plan, django_assert_max_num_queries):
    ledger_commit(
        envelope=Envelope.objects.get(code="ia-axe-1-rd"),
        amount="123456.78",
        budget_year=2025,
        on=date(2025, 1, 10),
        reference="CP-T",
        reason="test",
        actor_label="test",
    )
    with django_assert_max_num_queries(14):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "60\u00a0M\u00a0€" in html
    for name in AXES_FR:
        assert name in html
    assert "123\u202f456,78\u00a0€" in html  # committed on the R&D envelope
    assert "plancher : plus de 1\u202f000\u202f000,00\u00a0€" in html
    assert "pas encore atteint" in html
    assert 'id="source-seed"' in html
    assert "Start-Up, industrie de demain" in html


def test_plan_page_in_english(client, plan):
    response = client.get("/en/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "€60M" in html
    for name in AXES_EN:
        assert name in html


def test_query_count_does_not_grow_with_movements(client, plan, django_assert_num_queries):
    """The page reads balances in a fixed number of queries (no N+1 per envelope)."""
    client.get("/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for i in range(5):
        ledger_commit(
            envelope=Envelope.objects.get(code="ia-axe-2"),
            amount="1000.00",
            budget_year=2025,
            on=date(2025, 1, 10),
            reference=f"CP-{i}",
            reason="test",
            actor_label="test",
        )
    with django_assert_num_queries(len(before.captured_queries)):
        client.get("/")


def test_programme_page(client, plan):
    response = client.get(reverse("web:plan", args=["programme-startup-industrie-demain"]))
    assert response.status_code == 200
    assert "2\u202f000\u202f000,00\u00a0€" in response.content.decode()


def test_unknown_plan_is_404(client, plan):
    assert client.get("/plans/nope/").status_code == 404


def test_api_plan_detail(client, plan):
    response = client.get("/api/v1/plans/occitanie-ia-2024-2028")
    assert response.status_code == 200
    data = response.json()
    assert data["budget"] == "60000000.00"
    assert [a["number"] for a in data["axes"]] == [1, 2, 3, 4, 5]
    rd = next(e for e in data["envelopes"] if e["code"] == "ia-axe-1-rd")
    assert rd["parent"] == "ia-axe-1"
    assert rd["allocated"] == "18000000.00"
    assert client.get("/api/v1/plans/nope").status_code == 404


def test_english_page_is_translated(client, plan):
    html = client.get("/en/").content.decode()
    assert "Axes and envelopes" in html
    assert "Targets" in html
    assert "floor: more than €1,000,000.00" in html
    assert "Axes et enveloppes" not in html
