"""`plania backup` then `plania restore` round-trip the demo data (issue 8 item 4):
row counts, ledger balances and file checksums are the same; a non-empty instance and an
altered backup are refused."""

import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plania.ops.backup import file_roots, ledger_balances, sha256_of, table_counts
from tests.processes import child_env


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
def test_round_trip(tmp_path, media):
    out = round_trip(tmp_path)
    # An altered backup is refused before anything is written.
    _empty_instance()
    dump = next(p for p in (out / "files" / "private").rglob("*") if p.is_file())
    dump.write_bytes(b"altered")
    with pytest.raises(CommandError, match="empreinte"):
        call_command("restore", str(out))


@pytest.mark.django_db(transaction=True)
def test_round_trip_with_the_private_storage_in_a_bucket(settings, tmp_path):
    """With PLANIA_S3_BUCKET the private storage is not a folder: backup and restore copy
    its files through the storage API (here Django's in-memory storage stands for the
    bucket, which the tests cannot reach)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from plania.ops.backup import private_bucket, storage_names

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    bucket = private_bucket()
    assert bucket is not None and "private" not in file_roots()
    call_command("demo_setup", verbosity=0)
    bucket.save("documents/2026/piece.pdf", ContentFile(b"%PDF-1.4 demo"))
    bucket.save("exports/rapport.pdf", ContentFile(b"%PDF-1.4 rapport"))
    counts, balances, names = table_counts(), ledger_balances(), storage_names(bucket)
    assert {"documents/2026/piece.pdf", "exports/rapport.pdf"} <= set(names)
    out = tmp_path / "backup"
    call_command("backup", "--output", str(out), verbosity=0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert {f"files/private/{n}" for n in names} <= set(manifest["files"])

    with pytest.raises(CommandError, match="pas vide"):
        call_command("restore", str(out))
    call_command("flush", "--noinput", verbosity=0)
    with pytest.raises(CommandError, match="pas vide"):  # the bucket still holds files
        call_command("restore", str(out))
    for name in storage_names(bucket):
        bucket.delete(name)
    call_command("restore", str(out), verbosity=0)
    assert table_counts() == counts and ledger_balances() == balances
    bucket = storages["private"]
    assert storage_names(bucket) == names
    assert bucket.open("documents/2026/piece.pdf").read() == b"%PDF-1.4 demo"


def test_the_bucket_setting_selects_s3_storage(tmp_path):
    """PLANIA_S3_BUCKET switches the private storage to django-storages' S3 backend (built
    without reaching any network)."""
    import subprocess
    import sys

    code = (
        "from django.core.files.storage import storages; s = storages['private']; "
        "print(type(s).__module__, type(s).__name__, s.bucket_name, s.location, s.endpoint_url)"
    )
    env = child_env(
        DJANGO_SETTINGS_MODULE="plania.settings",
        PLANIA_S3_BUCKET="plania-prive",
        PLANIA_S3_PREFIX="instance-1",
        PLANIA_S3_ENDPOINT_URL="https://s3.gra.io.cloud.ovh.net",
    )
    out = (
        subprocess.run(
            [sys.executable, "-m", "plania", "shell", "--verbosity", "0", "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.splitlines()[-1]
        .split()
    )
    assert out == [
        "storages.backends.s3",
        "S3Storage",
        "plania-prive",
        "instance-1",
        "https://s3.gra.io.cloud.ovh.net",
    ]
