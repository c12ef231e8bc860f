"""`plania demo_awards` after `demo_setup`: a past session, awards paid, advances in
repayment, one in arrears; run twice, it changes nothing the second time."""

from io import StringIO

import pytest
from django.core.management import call_command

from plania.awards.models import Award
from plania.committee.models import CommitteeSession
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import balances_match_entries
from plania.repayments import selectors as repayments_selectors

pytestmark = pytest.mark.django_db


def test_demo_awards_is_idempotent_and_shows_an_arrear():
    call_command("demo_setup", stdout=StringIO())
    call_command("demo_awards", stdout=StringIO())
    session = CommitteeSession.objects.get(deliberation_prefix="CP/2025-06-DEMO")
    assert session.state == "held"
    # demo_setup also runs demo_data (awards of its own): look at this session's awards.
    demo = Award.objects.filter(reference__startswith="AID-CP-2025-06-DEMO-")
    states = sorted(demo.values_list("state", flat=True))
    assert states == ["approved", "in_payment", "in_payment", "in_payment"]
    assert session.items.filter(outcome="rejected").count() == 1
    arrears = [a.award.reference for a in repayments_selectors.arrears()]
    assert [r for r in arrears if r.startswith("AID-CP-2025-06-DEMO-")] == ["AID-CP-2025-06-DEMO-2"]
    assert Award.objects.get(reference="AID-CP-2025-06-DEMO-1").repayments.exists()
    entries = LedgerEntry.objects.count()
    out = StringIO()
    call_command("demo_awards", stdout=out)
    assert "already there" in out.getvalue()
    assert LedgerEntry.objects.count() == entries
    assert balances_match_entries() == []
