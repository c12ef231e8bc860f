"""A committee's "approve all" of 200 proposals killed with SIGKILL while it runs
(issue 8 item 3): afterwards either every award and ledger commitment exists or none,
the ledger's running totals match its entries and `verify_integrity` finds nothing; then
the same "approve all" run again completes.

The decision runs in a separate process (`python -c`, the real service on the same
PostgreSQL test database); the test waits until that process's transaction has written
(pg_stat_activity.backend_xid), lets it run a little, then kills it.
"""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from plania.awards.models import Award
from plania.committee import services as committee_services
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import balances_match_entries
from plania.ops.integrity import integrity_problems
from tests import processes
from tests.awards.dossiers import funded_call, proposed

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PROPOSALS = 200
APP_NAME = "plania-crash-test"

APPROVE_ALL = """
import sys
import django
django.setup()
from django.utils import timezone
from tests.applications.factories import DURING
timezone.now = lambda: DURING
from plania.accounts.models import User
from plania.committee import services as committee_services
from plania.committee.models import CommitteeSession
session = CommitteeSession.objects.get(pk=int(sys.argv[1]))
actor = User.objects.get(pk=int(sys.argv[2]))
print("started", flush=True)
committee_services.session_approve_all(session=session, actor=actor)
print("done", flush=True)
"""


def database_url() -> str:
    return processes.database_url(application_name=APP_NAME)


def writer_backend() -> int | None:
    """The pid of the decision's backend once its transaction has written something."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
            "AND backend_xid IS NOT NULL",
            [APP_NAME],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_gone() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
        )
        return cursor.fetchone()[0] == 0


def test_sigkill_during_approve_all_leaves_all_or_nothing(staff, clock):
    call = funded_call(Decimal(PROPOSALS) * Decimal("150000.00") + 1)
    proposals = [proposed(call, staff.officer)[1] for _ in range(PROPOSALS)]
    cp = committee_services.session_create(
        held_on=clock().date(),
        title="Commission permanente — panne",
        deliberation_prefix="CP/2025-CRASH",
        actor=staff.committee,
    )
    for proposal in proposals:
        committee_services.session_add_proposal(
            session=cp, proposal=proposal, actor=staff.committee
        )
    entries_before = LedgerEntry.objects.count()

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "plania.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", APPROVE_ALL, str(cp.pk), str(staff.committee.pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while writer_backend() is None:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the decision never started writing"
            time.sleep(0.02)
        time.sleep(0.3)  # well inside the batch: 200 awards take seconds
        assert process.poll() is None, "the decision ended before the kill: raise PROPOSALS"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)  # reaps it and closes the pipes
    assert process.returncode == -signal.SIGKILL
    # PostgreSQL rolls the dead connection's transaction back once it notices the socket.
    deadline = time.monotonic() + 30
    while not backend_gone():
        assert time.monotonic() < deadline
        time.sleep(0.05)

    awards = Award.objects.count()
    new_entries = LedgerEntry.objects.count() - entries_before
    assert (awards, new_entries) in {(0, 0), (PROPOSALS, new_entries)}
    assert awards == 0, "killed mid-batch: nothing of it may be visible"
    assert new_entries == 0
    assert balances_match_entries() == []
    problems = integrity_problems().problems
    assert problems == []

    # After the "restart", the same decision completes in full.
    approved = committee_services.session_approve_all(session=cp, actor=staff.committee)
    assert len(approved) == Award.objects.count() == PROPOSALS
    assert balances_match_entries() == []
    assert integrity_problems()[0] == []
