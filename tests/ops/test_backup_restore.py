"""`plania backup` then `plania restore` round-trip the demo data (issue 8 item 4):
row counts, ledger balances and file checksums are the same; a non-empty instance and an
altered backup are refused."""

import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plania.ops.backup import file_roots, ledger_balances, sha256_of, table_counts


def _files():
    out = {}
    for name, root in file_roots().items():
        if root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    out[f"{name}/{p.relative_to(root)}"] = sha256_of(p)
    return out


def _empty_instance():
    call_command("flush", "--noinput", verbosity=0)
    for root in file_roots().values():
        shutil.rmtree(root, ignore_errors=True)


def round_trip(tmp_path):
    call_command("demo_setup", verbosity=0)
    # One uploaded file at least, in the private storage.
    private = file_roots()["private"]
    private.mkdir(parents=True, exist_ok=True)
    (private / "piece.pdf").write_bytes(b"%PDF-1.4 demo")
    counts, balances, files = table_counts(), ledger_balances(), _files()
    assert balances and files
    out = tmp_path / "backup"
    call_command("backup", "--output", str(out), verbosity=0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == counts and manifest["ledger_balances"] == balances

    with pytest.raises(CommandError, match="pas vide"):
        call_command("restore", str(out))

    _empty_instance()
    call_command("restore", str(out), verbosity=0)
    assert table_counts() == counts
    assert ledger_balances() == balances
    assert _files() == files
    return out


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media" / "private"},
        },
    }
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_round_trip_on_sqlite(tmp_path, media):
    out = round_trip(tmp_path)
    # An altered backup is refused before anything is written.
    _empty_instance()
    dump = next(p for p in (out / "files" / "private").rglob("*") if p.is_file())
    dump.write_bytes(b"altered")
    with pytest.raises(CommandError, match="empreinte"):
        call_command("restore", str(out))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_round_trip_on_postgresql(tmp_path, media):
    round_trip(tmp_path)
