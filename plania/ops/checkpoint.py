"""Checkpoints of the hash chains, kept outside the database (issue 13, item 5).

Someone who can write to the database but does not hold the chains' key cannot recompute
a chain (plania.core.chain), but can still delete a chain's newest rows, or, for the
ledger, whose rows carry a seal each, delete a row inside a chain and recompute the plain
hashes after it. What catches both is a record of every chain kept elsewhere:

- `plania chain_checkpoint` (daily, docs/deploy.md) writes every chain's number of rows
  and last hash, per table, to the "private" storage (a folder or a bucket that the
  database's users cannot write), under `chain-checkpoints/<UTC time>.json`, sealed with an
  HMAC under the chains' key so that it cannot be rewritten without the key either;
- the public transparency page shows, per table, the latest checkpoint's date, rows and
  fingerprint (a SHA-256 of its list of chains), so that anyone can keep a copy;
- `plania verify_integrity` compares each chain with the latest checkpoint and names a
  chain that has fewer rows than it had (a deleted tail, or a deleted chain) and one whose
  row at the checkpoint's length is not the checkpoint's head (a recomputed chain).

What the checkpoint cannot see is what happened since it was written: a tail written and
deleted on the same day. Rows, not times, are what it records.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import models

from plania.core.chain import chain_heads, mac
from plania.documents.storage import private_storage

FOLDER = "chain-checkpoints"
VERSION = 1
_CACHE_KEY = "plania:chain-checkpoint-summary"


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _seal(body: dict[str, Any], key: str | None = None) -> str:
    return mac("checkpoint:" + _dumps({k: v for k, v in body.items() if k != "mac"}), key)


def _table(model: type[models.Model]) -> dict[str, Any]:
    heads = [[list(key), rows, head] for key, (rows, head) in chain_heads(model).items()]
    heads.sort(key=lambda line: _dumps(line[0]))
    return {
        "fields": list(model.CHAIN_FIELDS),  # type: ignore[attr-defined]
        "rows": sum(line[1] for line in heads),
        "chains": len(heads),
        "fingerprint": hashlib.sha256(_dumps(heads).encode()).hexdigest(),
        "heads": heads,
    }


def snapshot(now: datetime | None = None) -> dict[str, Any]:
    """Every chain's rows and last hash, per table, sealed under the chains' key."""
    from plania.ops.integrity import chained_models

    written = (now or datetime.now(UTC)).astimezone(UTC)
    body: dict[str, Any] = {
        "version": VERSION,
        "written_at": written.isoformat(timespec="microseconds"),
        "tables": {model._meta.db_table: _table(model) for model in chained_models()},
    }
    body["mac"] = _seal(body)
    return body


def write(now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """Write a checkpoint to the private storage; returns its name and content."""
    body = snapshot(now)
    stamp = datetime.fromisoformat(body["written_at"]).strftime("%Y%m%dT%H%M%S%fZ")
    name = private_storage().save(
        f"{FOLDER}/{stamp}.json", ContentFile(_dumps(body).encode(), name=f"{stamp}.json")
    )
    cache.delete(_CACHE_KEY)
    return name, body


def latest() -> tuple[str, dict[str, Any]] | None:
    """The newest checkpoint (name, content), None when there is none yet."""
    storage = private_storage()
    try:
        _folders, files = storage.listdir(FOLDER)
    except (FileNotFoundError, NotADirectoryError):
        return None
    names = sorted(name for name in files if name.endswith(".json"))
    if not names:
        return None
    name = f"{FOLDER}/{names[-1]}"
    with storage.open(name, "rb") as handle:
        return name, json.loads(handle.read())


def sealed(body: dict[str, Any], key: str | None = None) -> bool:
    """Whether the checkpoint's seal is the one the chains' key (or `key`) makes."""
    return isinstance(body.get("mac"), str) and hmac.compare_digest(body["mac"], _seal(body, key))


def anchors(body: dict[str, Any], table: str) -> dict[tuple[Any, ...], tuple[int, str]]:
    """Chain key -> (rows, head) of `table` in the checkpoint."""
    lines = body.get("tables", {}).get(table, {}).get("heads", [])
    return {tuple(key): (int(rows), str(head)) for key, rows, head in lines}


def describe(fields: list[str] | tuple[str, ...], key: tuple[Any, ...]) -> str:
    """`application_id=12`: a chain by its subject (the set fields of its key)."""
    named = [
        f"{name}={value}" for name, value in zip(fields, key, strict=True) if value is not None
    ]
    return ", ".join(named) or "(no subject)"


def compare(
    body: dict[str, Any],
    table: str,
    fields: tuple[str, ...],
    current: dict[tuple[Any, ...], tuple[int, str]],
    at_anchor: dict[tuple[Any, ...], str],
) -> list[str]:
    """What the checkpoint says and the table no longer does, one line per chain."""
    when = body.get("written_at", "?")
    problems = []
    for key, (rows, head) in sorted(anchors(body, table).items(), key=lambda kv: _dumps(kv[0])):
        chain = f"{table} chain {describe(fields, key)}"
        now = current.get(key)
        if now is None:
            problems.append(
                f"{chain}: deleted chain: the checkpoint of {when} had {rows} row(s) ending "
                f"with {head}, none remain"
            )
        elif now[0] < rows:
            problems.append(
                f"{chain}: deleted tail: {rows - now[0]} row(s) missing, the checkpoint of "
                f"{when} had {rows} ending with {head}, {now[0]} remain"
            )
        elif at_anchor.get(key) != head:
            problems.append(
                f"{chain}: recomputed chain: row {rows} has hash {at_anchor.get(key)}, the "
                f"checkpoint of {when} recorded {head}"
            )
    return problems


@dataclass(frozen=True)
class Register:
    """One table of the latest checkpoint, as the transparency page shows it."""

    table: str
    rows: int
    chains: int
    fingerprint: str


@dataclass(frozen=True)
class Summary:
    written_at: datetime
    registers: list[Register]
    fingerprint: str


def summary() -> Summary | None:
    """The latest checkpoint without its chains (cached until the next one is written)."""
    cached = cache.get(_CACHE_KEY)
    if cached is not None:
        return cached or None
    found = latest()
    result: Summary | bool = False
    if found is not None:
        _name, body = found
        tables = body.get("tables", {})
        result = Summary(
            written_at=datetime.fromisoformat(body["written_at"]),
            registers=[
                Register(table, int(t["rows"]), int(t["chains"]), str(t["fingerprint"]))
                for table, t in sorted(tables.items())
            ],
            fingerprint=hashlib.sha256(_dumps(body).encode()).hexdigest(),
        )
    cache.set(_CACHE_KEY, result, 600)
    return result or None


@dataclass(frozen=True)
class Shown:
    """One register as the transparency page shows it, with its name in words."""

    label: str
    rows: int
    chains: int
    fingerprint: str


def shown(found: Summary) -> list[Shown]:
    """The registers of `found`, each named by its model's plural name (translated)."""
    from plania.ops.integrity import chained_models

    labels = {m._meta.db_table: str(m._meta.verbose_name_plural) for m in chained_models()}
    return [
        Shown(labels.get(r.table, r.table), r.rows, r.chains, r.fingerprint)
        for r in found.registers
    ]
