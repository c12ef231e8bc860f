"""Probe (issue 13, item 5): history an insider with database access cannot rewrite unseen.

The insider edits rows with raw SQL (the append-only triggers disabled, as a table owner
could) and recomputes what the project's own code would: plain SHA-256 chains, or the
project's chain function under a key of their own. `plania verify_integrity` names each
case: the edited row (HMAC mismatch), a deleted tail or chain and a recomputed chain
(against the latest checkpoint in the private storage), a rewritten checkpoint. On the
main branch of before, the plain SHA-256 recomputation and the deleted tail passed.
"""

import hashlib
import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from plania.applications.models import ApplicationEvent
from plania.core.chain import canonical, link
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.ops import checkpoint
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture
from tests.integrity.test_verify_integrity import (
    clock_during_the_call,  # noqa: F401 - an autouse fixture
    dossier_history,
    movements,
    raw,
    verify,
)
from tests.security.test_headers import production_env, run_python

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage_dir")]


@pytest.fixture(autouse=True)
def _no_cached_summary():
    cache.clear()
    yield
    cache.clear()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rechain_events(events: list[ApplicationEvent], make) -> None:
    """What an insider does after an edit: recompute the chain of `events` with `make`."""
    previous = ""
    for event in events:
        event.refresh_from_db()
        event.chain_hash = make(previous, canonical(event))
        raw(
            "UPDATE applications_applicationevent SET chain_hash = %s WHERE id = %s",
            [event.chain_hash, event.pk],
        )
        previous = event.chain_hash


def test_an_edited_row_rechained_with_plain_sha256_is_named():
    events = dossier_history()
    first = events[0]
    raw("UPDATE applications_applicationevent SET reason = %s WHERE id = %s", ["x", first.pk])
    rechain_events(events, lambda previous, payload: sha256(previous + payload))

    passed, output = verify()

    assert not passed
    assert f"MISMATCH applications_applicationevent id {first.pk}: expected " in output


def test_a_chain_recomputed_with_the_projects_code_and_another_key_is_named(settings):
    events = dossier_history()
    checkpoint.write()
    first = events[0]
    raw("UPDATE applications_applicationevent SET reason = %s WHERE id = %s", ["x", first.pk])
    real_key = settings.PLANIA_CHAIN_KEY
    settings.PLANIA_CHAIN_KEY = "the insider's guess"
    rechain_events(events, link)
    settings.PLANIA_CHAIN_KEY = real_key

    passed, output = verify()

    assert not passed
    assert f"MISMATCH applications_applicationevent id {first.pk}: expected " in output
    app = first.application_id
    assert f"applications_applicationevent chain application_id={app}: recomputed chain" in (output)


def test_a_deleted_tail_is_named():
    events = dossier_history()
    name, _body = checkpoint.write()
    last = events[-1]
    raw("DELETE FROM applications_applicationevent WHERE id = %s", [last.pk])

    passed, output = verify()

    assert not passed
    assert f"compared with the checkpoint {name}" in output
    assert (
        f"applications_applicationevent chain application_id={last.application_id}: "
        f"deleted tail: 1 row(s) missing" in output
    )
    assert last.chain_hash in output  # the missing head, named


def test_a_deleted_chain_is_named():
    events = dossier_history()
    checkpoint.write()
    raw(
        "DELETE FROM applications_applicationevent WHERE application_id = %s",
        [events[0].application_id],
    )

    passed, output = verify()

    assert not passed
    assert "deleted chain: the checkpoint of" in output


def test_a_ledger_entry_edited_and_rechained_with_plain_sha256_is_named():
    entries = movements()
    target = entries[-1]
    raw("UPDATE ledger_ledgerentry SET reason = %s WHERE id = %s", ["x", target.pk])
    previous = ""
    for entry in LedgerEntry.objects.filter(envelope_id=target.envelope_id).order_by("pk"):
        entry.chain_hash = sha256(previous + canonical(entry))
        raw(
            "UPDATE ledger_ledgerentry SET chain_hash = %s WHERE id = %s",
            [entry.chain_hash, entry.pk],
        )
        previous = entry.chain_hash
    EnvelopeBalance.objects.filter(envelope_id=target.envelope_id).update(chain_head=previous)

    passed, output = verify()

    assert not passed
    assert "MISMATCH ledger_ledgerentry id " in output


def test_a_ledger_tail_deleted_with_its_head_moved_back_is_named():
    entries = movements()
    checkpoint.write()
    last = entries[-1]
    before = (
        LedgerEntry.objects.filter(envelope_id=last.envelope_id, pk__lt=last.pk)
        .order_by("-pk")
        .values_list("chain_hash", flat=True)
        .first()
    )
    raw("DELETE FROM ledger_ledgerentry WHERE id = %s", [last.pk])
    EnvelopeBalance.objects.filter(envelope_id=last.envelope_id).update(chain_head=before or "")

    passed, output = verify()

    assert not passed
    assert f"ledger_ledgerentry chain envelope_id={last.envelope_id}: deleted tail" in output


def test_a_rewritten_checkpoint_is_named(private_storage_dir):  # noqa: F811
    events = dossier_history()
    name, body = checkpoint.write()
    raw("DELETE FROM applications_applicationevent WHERE id = %s", [events[-1].pk])
    # The insider also lowers the count in the checkpoint file.
    table = body["tables"]["applications_applicationevent"]
    table["heads"][0][1] -= 1
    table["heads"][0][2] = events[-2].chain_hash
    (private_storage_dir / name).write_text(json.dumps(body))

    passed, output = verify()

    assert not passed
    assert f"checkpoint {name}: its seal is not the chain key's" in output


def test_a_clean_history_matches_its_checkpoint():
    movements()
    dossier_history()
    out = StringIO()
    call_command("chain_checkpoint", stdout=out)
    assert "Checkpoint written: chain-checkpoints/" in out.getvalue()

    passed, output = verify()

    assert passed, output
    assert "compared with the checkpoint chain-checkpoints/" in output


def test_the_transparency_page_shows_the_registers_fingerprints(client):
    movements()
    events = dossier_history()
    _name, body = checkpoint.write()

    page = client.get("/transparence/").content.decode()

    assert "Empreintes des registres" in page
    table = body["tables"]["applications_applicationevent"]
    assert table["fingerprint"] in page
    assert str(len(events)) in page
    assert "Register fingerprints" in client.get("/en/transparence/").content.decode()


@pytest.mark.parametrize(
    "key", [None, "short", "same as the secret key"], ids=["unset", "short", "secret"]
)
def test_production_does_not_start_without_its_own_chain_key(tmp_path, key):
    env = production_env(tmp_path)
    if key is None:
        del env["PLANIA_CHAIN_KEY"]
    elif key == "short":
        env["PLANIA_CHAIN_KEY"] = "x" * 31
    else:
        env["PLANIA_CHAIN_KEY"] = env["PLANIA_SECRET_KEY"]
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "PLANIA_CHAIN_KEY" in result.stderr


def test_no_checkpoint_is_written_over_a_deleted_tail():
    events = dossier_history()
    first, _body = checkpoint.write()
    raw("DELETE FROM applications_applicationevent WHERE id = %s", [events[-1].pk])

    err = StringIO()
    with pytest.raises(CommandError, match="no checkpoint written"):
        call_command("chain_checkpoint", stdout=StringIO(), stderr=err)

    assert "deleted tail" in err.getvalue()
    assert checkpoint.latest()[0] == first


def test_a_new_key_rehashes_every_chain_after_checking_them(settings, tmp_path):
    movements()
    events = dossier_history()
    checkpoint.write()
    previous = tmp_path / "previous-key"
    previous.write_text(settings.PLANIA_CHAIN_KEY + "\n")
    settings.PLANIA_CHAIN_KEY = "a new key of thirty-two characters or more"
    assert not verify()[0]  # under the new key, nothing matches yet

    call_command("chain_rekey", previous_key_file=str(previous), stdout=StringIO())

    passed, output = verify()
    assert passed, output
    # Under the previous key, an edit is refused, not laundered.
    raw("UPDATE applications_applicationevent SET reason = 'x' WHERE id = %s", [events[0].pk])
    settings.PLANIA_CHAIN_KEY = "yet another key, thirty-two characters long"
    newer = tmp_path / "newer"
    newer.write_text("a new key of thirty-two characters or more")
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("chain_rekey", previous_key_file=str(newer), stderr=StringIO())
