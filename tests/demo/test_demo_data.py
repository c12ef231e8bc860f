"""`plania demo_data --applications N --seed S` (issue 6, item 7): deterministic for a
seed, dossiers in every state, awards with their money, and a ledger whose hash chains
and running totals `plania verify_integrity` accepts."""

from collections import defaultdict
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent
from plania.awards.models import Award
from plania.companies.models import Company
from plania.companies.sirene import check_siret
from plania.demo.scale import generate
from plania.ledger.models import LedgerEntry
from plania.ops.integrity import integrity_problems
from plania.payments.models import Payment
from plania.repayments.models import Repayment

pytestmark = pytest.mark.django_db

N = 50


class Rollback(Exception):
    pass


def snapshot() -> dict[str, Any]:
    return {
        "sirens": sorted(Company.objects.values_list("siren", flat=True)),
        "sirets": sorted(Company.objects.values_list("head_office_siret", flat=True)),
        "states": sorted(Application.objects.values_list("reference", "state")),
        "awards": sorted(
            (a.reference, str(a.total), str(a.advance), a.state, a.decided_on)
            for a in Award.objects.all()
        ),
        "payments": Payment.objects.count(),
        "repayments": Repayment.objects.count(),
        "entries": sorted(
            LedgerEntry.objects.values_list("kind", "amount", "budget_year", "reference")
        ),
    }


def fresh_run(seed: int) -> dict[str, Any]:
    """Generate on an empty database and roll it all back (a fresh database each time)."""
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            counts = generate(applications=N, seed=seed)
            result = {"counts": counts.as_dict(), **snapshot()}
            result["problems"] = integrity_problems()[0]
            raise Rollback
    except Rollback:
        pass
    assert not Company.objects.exists()
    return result


def test_same_seed_same_data_and_integrity() -> None:
    first, second = fresh_run(11), fresh_run(11)
    assert first == second
    assert first["problems"] == []
    assert first["counts"]["companies"] == N and first["counts"]["applications"] == N
    assert len(set(first["sirens"])) == N
    assert all(check_siret(s) is None for s in first["sirets"])
    assert first["awards"] and first["payments"] > 0
    other = fresh_run(12)
    assert other["sirens"] != first["sirens"]


def test_every_state_and_verify_integrity_command() -> None:
    out = StringIO()
    call_command("demo_data", applications=400, seed=3, stdout=out)
    assert "400 dossiers" in out.getvalue()
    states = set(Application.objects.values_list("state", flat=True))
    expected = {s.value for s in ApplicationState} - {ApplicationState.APPROVED.value}
    assert expected <= states | {ApplicationState.APPROVED.value}
    assert {
        ApplicationState.DRAFT,
        ApplicationState.SUBMITTED,
        ApplicationState.INCOMPLETE,
        ApplicationState.UNDER_REVIEW,
        ApplicationState.PROPOSED,
        ApplicationState.REJECTED,
        ApplicationState.WITHDRAWN,
        ApplicationState.IN_PAYMENT,
        ApplicationState.CLOSED,
    } <= states
    assert Repayment.objects.exists()
    # Every dossier has its history: created as a draft, then the workflow's transitions
    # to its state, each from the state the previous one left, in time order.
    events = defaultdict(list)
    for event in ApplicationEvent.objects.order_by("pk"):
        events[event.application_id].append(event)
    for app in Application.objects.all():
        history = events[app.pk]
        assert history[0].transition == "create" and history[0].to_state == "draft"
        assert history[-1].to_state == app.state, app.reference
        for before, after in pairwise(history):
            assert after.from_state == before.to_state and after.at > before.at
        if app.submitted_at:
            submit = next(e for e in history if e.transition == "submit")
            assert submit.at == app.submitted_at
    # Again: refused politely, nothing written twice.
    out = StringIO()
    call_command("demo_data", applications=400, seed=3, stdout=out)
    assert "already there" in out.getvalue()
    assert Application.objects.count() == 400
    out = StringIO()
    call_command("verify_integrity", stdout=out)
    assert "All chains and ledger totals match." in out.getvalue()
