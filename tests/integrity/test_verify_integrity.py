"""Tamper-evident history (issue 7, item 4): `plania verify_integrity` finds edited rows.

A "DBA" edits a ledger entry or a dossier history row with raw SQL; the command names the
table and the row, with the expected and found hashes, and exits non-zero. The
append-only triggers are first disabled inside the test (rolled back with it).
"""

import importlib
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from plania.applications import workflow
from plania.applications.models import ApplicationEvent
from plania.core.chain import backfill, canonical, link, sealed_link
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.ledger.services import (
    ledger_commit,
    ledger_decommit,
    ledger_pay,
    ledger_repay,
)
from tests.applications.factories import DURING, CallFactory, applicant, draft
from tests.factories import TEST_DAY, TEST_YEAR, EnvelopeFactory, allocate

D = Decimal


@pytest.fixture(autouse=True)
def clock_during_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The call of the dossier is open (tests/applications/conftest.py sets a clock too)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: DURING)


def verify() -> tuple[bool, str]:
    """(passed, everything printed) of `plania verify_integrity`."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_integrity", stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue() + err.getvalue() + str(exc)
    return True, out.getvalue() + err.getvalue()


def movements() -> list[LedgerEntry]:
    """Allocations on a root and a line, then every kind of movement on both."""
    root = EnvelopeFactory()
    line = EnvelopeFactory(parent=root, plan=root.plan, axis=root.axis)
    allocate(root, "10000.00")
    allocate(line, "4000.00")
    common = {"budget_year": TEST_YEAR, "on": TEST_DAY, "actor_label": "test"}
    on_line = ledger_commit(
        envelope=line, amount="1500.00", reference="C-1", reason="engagement", **common
    )
    on_root = ledger_commit(
        envelope=root, amount="700.00", reference="C-2", reason="engagement", **common
    )
    ledger_pay(commitment=on_line, amount="500.00", reference="P-1", reason="mandat", **common)
    ledger_repay(commitment=on_line, amount="100.00", reference="R-1", reason="retour", **common)
    ledger_decommit(
        commitment=on_root, amount="200.00", reference="D-1", reason="dégagement", **common
    )
    return list(LedgerEntry.objects.order_by("pk"))


def dossier_history() -> list[ApplicationEvent]:
    call = CallFactory()
    user = applicant()
    app = draft(call, user)
    workflow.withdraw(app, actor=user, reason="plus besoin")
    return list(ApplicationEvent.objects.filter(application=app).order_by("pk"))


def raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        # A DBA would: the append-only triggers refuse the edit otherwise. Deferred
        # foreign-key checks are run first (ALTER TABLE refuses pending trigger events).
        words = sql.split()
        table = words[2] if words[0] == "DELETE" else words[1]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)


# -- The cases --------------------------------------------------------------------------


def _clean_database_passes() -> None:
    entries = movements()
    events = dossier_history()

    passed, output = verify()

    assert passed, output
    assert "All chains and ledger totals match." in output
    assert f"ledger_ledgerentry: {len(entries)} rows checked" in output
    assert f"applications_applicationevent: {len(events)} rows checked" in output


def _chain_is_what_the_docstring_says() -> None:
    entries = movements()
    by_envelope: dict[int, str] = {}
    for entry in entries:
        expected = sealed_link(by_envelope.get(entry.envelope_id, ""), canonical(entry))
        assert entry.chain_hash == expected
        by_envelope[entry.envelope_id] = entry.chain_hash
    for envelope_id, head in by_envelope.items():
        assert EnvelopeBalance.objects.get(envelope_id=envelope_id).chain_head == head
    # A returned entry carries the hash the database computed.
    assert len(entries[-1].chain_hash) == 64


@pytest.mark.parametrize(
    ("column", "value"),
    [("reason", "rewritten by hand"), ("reference", "C-999"), ("amount", "1.00")],
)
def _edited_ledger_row_is_named(column: str, value: str) -> None:
    entries = movements()
    target = next(e for e in entries if e.reference == "C-1")

    raw(f"UPDATE ledger_ledgerentry SET {column} = %s WHERE id = %s", [value, target.pk])

    passed, output = verify()
    assert not passed
    assert f"MISMATCH ledger_ledgerentry id {target.pk}: expected " in output
    assert f"found {target.chain_hash}" in output
    assert "integrity problem(s) found" in output
    # Only the edited row is named: its successors still link to its stored hash.
    assert output.count("MISMATCH ledger_ledgerentry id") == 1


def _deleted_last_entry_is_seen_at_the_chain_head() -> None:
    entries = movements()
    last = entries[-1]

    raw("DELETE FROM ledger_ledgerentry WHERE id = %s", [last.pk])

    passed, output = verify()
    assert not passed
    assert f"ledger_envelopebalance envelope {last.envelope_id}: chain head expected" in output


def _edited_history_row_is_named() -> None:
    events = dossier_history()
    first = events[0]

    raw(
        "UPDATE applications_applicationevent SET actor_id = NULL, reason = %s WHERE id = %s",
        ["edited", first.pk],
    )

    passed, output = verify()
    assert not passed
    assert f"MISMATCH applications_applicationevent id {first.pk}: expected " in output
    assert f"found {first.chain_hash}" in output


def _backfill_hashes_old_rows_once() -> None:
    movements()
    dossier_history()
    raw("UPDATE ledger_ledgerentry SET chain_hash = ''", [])
    raw("UPDATE applications_applicationevent SET chain_hash = ''", [])
    raw("UPDATE ledger_envelopebalance SET chain_head = ''", [])
    assert not verify()[0]

    editor = SimpleNamespace(
        connection=connection,
        execute=connection.cursor().execute,
        quote_name=connection.ops.quote_name,
    )
    for _ in range(2):  # idempotent: the second run writes nothing and changes nothing
        heads = backfill(
            apps,
            editor,
            model="ledger.LedgerEntry",
            hashed=LedgerEntry.HASHED_FIELDS,
            chain_fields=LedgerEntry.CHAIN_FIELDS,
        )
        for (envelope_id,), head in heads.items():
            EnvelopeBalance.objects.filter(envelope_id=envelope_id, chain_head="").update(
                chain_head=head
            )
        backfill(
            apps,
            editor,
            model="applications.ApplicationEvent",
            hashed=ApplicationEvent.HASHED_FIELDS,
            chain_fields=ApplicationEvent.CHAIN_FIELDS,
        )
    # The backfill writes the form of its time (plain SHA-256), which the migration to
    # the chains' key then checks and re-hashes under the key (issue 13).
    assert not verify()[0]
    importlib.import_module("plania.ops.migrations.0002_chains_under_the_key").forwards(
        apps, editor
    )
    passed, output = verify()
    assert passed, output


def _events_of_one_dossier_chain_in_order() -> None:
    events = dossier_history()
    app = events[0].application
    ApplicationEvent.objects.create(
        application=app,
        transition="note",
        from_state=app.state,
        to_state=app.state,
        at=events[-1].at + timedelta(seconds=1),
    )
    chain = list(ApplicationEvent.objects.filter(application=app).order_by("pk"))
    assert chain[-1].chain_hash == link(chain[-2].chain_hash, canonical(chain[-1]))
    assert verify()[0]


CASES = {
    name.lstrip("_"): case
    for name, case in list(globals().items())
    if name.startswith("_") and callable(case) and not name.startswith("__")
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_tampering_is_found(name: str, request: pytest.FixtureRequest) -> None:
    _run(name, request)


def _run(name: str, request: pytest.FixtureRequest) -> None:
    case = CASES[name]
    marks = getattr(case, "pytestmark", [])
    if marks:  # the parametrised case: run each of its parameter sets
        (mark,) = marks
        for values in mark.args[1]:
            case(*values)
            # Each parameter set starts from an empty ledger again.
            _reset()
    else:
        case()


def _reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE ledger_ledgerentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM ledger_ledgerentry")
        cursor.execute("DELETE FROM ledger_envelopebalance")
