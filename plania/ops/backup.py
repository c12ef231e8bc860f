"""Backup and restore of one PlanIA instance (docs/deploy.md, issue 8 item 4).

A backup is a folder: `database.dump` (pg_dump custom format, by the server's own
version of pg_dump when the server is the embedded one), `files/media/...` and
`files/private/...` (the uploaded files), and `manifest.json`: versions, row counts per
table, ledger balances and the sha256 of every file of the backup. A restore goes into an
EMPTY instance only, after checking every checksum, and checks the row counts afterwards.
"""

import hashlib
import json
import platform
import posixpath
import shutil
import subprocess
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
FORMAT = 1
# Filled by `migrate` itself in an empty instance: not data.
SETUP_TABLES = {"django_content_type", "auth_permission", "django_migrations"}


class BackupError(Exception):
    pass


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return sha256_of_stream(f)


def sha256_of_stream(f: Any) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_roots() -> dict[str, Path]:
    """The folders of uploaded files on this machine's disk: MEDIA_ROOT, and the private
    storage when it is a folder (not a bucket: see `private_bucket`)."""
    roots = {"media": Path(settings.MEDIA_ROOT)}
    private = storages["private"]
    if isinstance(private, FileSystemStorage):
        roots["private"] = Path(private.location)
    return roots


def private_bucket() -> Storage | None:
    """The private storage when it is not a folder of this machine (an S3 bucket with
    PLANIA_S3_BUCKET): its files are copied through the storage API."""
    private = storages["private"]
    return None if isinstance(private, FileSystemStorage) else private


def storage_names(storage: Storage, folder: str = "") -> list[str]:
    """Every file name of `storage` under `folder`, recursively, sorted."""
    dirs, files = storage.listdir(folder)
    names = [posixpath.join(folder, f) if folder else f for f in files]
    for d in dirs:
        names += storage_names(storage, posixpath.join(folder, d) if folder else d)
    return sorted(names)


def _files_under(root: Path, skip: Path | None = None) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not (skip and skip in path.parents):
            found.append(path)
    return found


def table_counts(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.db_table] = model._default_manager.using(alias).count()
    return dict(sorted(counts.items()))


def ledger_balances() -> dict[str, dict[str, str]]:
    from plania.ledger.models import EnvelopeBalance

    out = {}
    for row in EnvelopeBalance.objects.order_by("pk").values():
        key = str(row.pop("envelope_id"))
        out[key] = {k: str(v) for k, v in row.items()}
    return out


def data_rows() -> int:
    return sum(n for table, n in table_counts().items() if table not in SETUP_TABLES)


def _conninfo(db: dict[str, Any]) -> str:
    """libpq's connection string for pg_dump/pg_restore --dbname (host may be a socket
    folder); quoting as libpq wants it."""
    from psycopg.conninfo import make_conninfo

    parts = {"host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER")}
    parts["password"] = db.get("PASSWORD")
    return make_conninfo(dbname=db["NAME"], **{k: str(v) for k, v in parts.items() if v})


def backup(output: Path) -> dict[str, Any]:
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(_("Le dossier %(path)s n'est pas vide.") % {"path": output})
    output.mkdir(parents=True, exist_ok=True)
    connection = connections[DEFAULT_DB_ALIAS]
    db = connection.settings_dict
    database = output / "database.dump"
    subprocess.run(
        [
            settings.PLANIA_PG_DUMP,
            "--format=custom",
            f"--file={database}",
            f"--dbname={_conninfo(db)}",
        ],
        check=True,
    )
    roots = file_roots()
    for name, root in roots.items():
        # The private storage usually lies under MEDIA_ROOT: copied once, as "private".
        skip = roots.get("private") if name == "media" else None
        for path in _files_under(root, skip):
            target_path = output / "files" / name / path.relative_to(root)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target_path)
    bucket = private_bucket()
    if bucket is not None:
        for name in storage_names(bucket):
            target_path = output / "files" / "private" / name
            target_path.parent.mkdir(parents=True, exist_ok=True)
            with bucket.open(name, "rb") as src, target_path.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "versions": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": f"{connection.vendor} {connection.Database.__name__}",
        },
        "database_file": database.name,
        "counts": table_counts(),
        "ledger_balances": ledger_balances(),
        "files": {
            str(p.relative_to(output)): sha256_of(p)
            for p in sorted(output.rglob("*"))
            if p.is_file() and p.name != MANIFEST
        },
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(_("Pas de manifest.json dans %(path)s.") % {"path": source})
    manifest: dict[str, Any] = json.loads(path.read_text())
    bad = [
        name
        for name, digest in manifest["files"].items()
        if not (Path(source) / name).is_file() or sha256_of(Path(source) / name) != digest
    ]
    if bad:
        raise BackupError(
            _(
                "Sauvegarde altérée ou incomplète : %(n)s fichier(s) ne correspondent pas "
                "à leur empreinte (%(first)s)."
            )
            % {"n": len(bad), "first": bad[0]}
        )
    return manifest


def restore(source: Path) -> dict[str, Any]:
    source = Path(source)
    manifest = read_manifest(source)
    rows = data_rows()
    if rows:
        raise BackupError(
            _(
                "L'instance n'est pas vide (%(n)s ligne(s) de données) : la restauration se "
                "fait dans une base neuve, seulement migrée."
            )
            % {"n": rows}
        )
    roots = file_roots()
    occupied = [str(r) for r in roots.values() if _files_under(r)]
    bucket = private_bucket()
    if bucket is not None and storage_names(bucket):
        occupied.append(_("le stockage privé (%(backend)s)") % {"backend": type(bucket).__name__})
    if occupied:
        raise BackupError(
            _("Le dossier de fichiers %(path)s n'est pas vide.") % {"path": occupied[0]}
        )
    connection = connections[DEFAULT_DB_ALIAS]
    db = connection.settings_dict
    database = source / manifest["database_file"]
    connection.close()
    subprocess.run(
        [
            settings.PLANIA_PG_RESTORE,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_conninfo(db)}",
            str(database),
        ],
        check=True,
    )
    for name, root in roots.items():
        folder = source / "files" / name
        for path in _files_under(folder):
            target = root / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            if sha256_of(target) != manifest["files"][str(path.relative_to(source))]:
                raise BackupError(_("Copie altérée : %(path)s.") % {"path": target})
    if bucket is not None:
        folder = source / "files" / "private"
        for path in _files_under(folder):
            name = path.relative_to(folder).as_posix()
            with path.open("rb") as f:
                saved = bucket.save(name, File(f))
            with bucket.open(saved, "rb") as f:
                digest = sha256_of_stream(f)
            expected = manifest["files"][str(path.relative_to(source))]
            if saved != name or digest != expected:
                raise BackupError(_("Copie altérée : %(path)s.") % {"path": name})
    counts = table_counts()
    differ = {t: (n, counts.get(t)) for t, n in manifest["counts"].items() if counts.get(t) != n}
    if differ:
        raise BackupError(
            _("Après restauration, les nombres de lignes diffèrent : %(tables)s.")
            % {"tables": ", ".join(sorted(differ))}
        )
    return manifest
