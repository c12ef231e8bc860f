"""Hash chains that make append-only history tamper-evident (issue 7 item 4, issue 13
item 5).

The chains are keyed with a secret that is not in the database (settings.PLANIA_CHAIN_KEY,
from PLANIA_CHAIN_KEY; docs/security.md, "Tamper evidence and the deadline"), so that
someone who can write to the database but does not hold the key cannot recompute them:

- a history row stores `chain_hash = HMAC-SHA256(key, "link:" + previous_hash +
  canonical(row))` (`link`);
- a ledger entry, whose hash PostgreSQL computes inside the UPDATE that serialises its
  envelope's writers (plania.ledger.services), stores `chain_hash = sha256(previous_hash +
  canonical(row) + HMAC-SHA256(key, "seal:" + canonical(row)))` (`sealed_link`): the key
  never reaches the database, only each row's seal, computed here before the statement
  and stored nowhere. Editing an entry needs a new seal, hence the key; re-chaining the
  entries after a deleted one needs their seals, which only the statements that wrote
  them carried (docs/security.md: keep statement logging with parameters off).

A deleted tail, which leaves a valid chain, is caught by the daily checkpoint of every
chain kept outside the database (plania.ops.checkpoint).

In both, lowercase hex, where `previous_hash` is the `chain_hash` of the previous row of
the same chain ("" for the first row) and `canonical(row)` is the compact, key-sorted, ASCII JSON
object of the row's business fields (the model's `HASHED_FIELDS`, by attname: foreign keys
as ids). Values are normalised so that what is written and what is read back serialise the
same: Decimals with the field's number of places, datetimes in UTC ISO 8601 with
microseconds, dates in ISO 8601, None as null.

A chain is the rows sharing the values of the model's `CHAIN_FIELDS`, in primary-key
order. The writers of one chain are serialised (the ledger by the envelope's
EnvelopeBalance row, history rows by their subject's row), so ids follow the chain.

`plania verify_integrity` (plania.ops.integrity) walks every chain with
`verify_model` and names the first row of each chain whose stored hash is not the one
recomputed from its fields and its predecessor's stored hash, and compares each chain
with the latest checkpoint.
"""

import functools
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models, transaction

HASH_LENGTH = 64


# A field as canonical() reads it: attname, whether it is a JSONField and its encoder,
# and the number of decimal places of a DecimalField (None otherwise).
_Field = tuple[str, bool, Any, int | None]
_PLAIN = (str, int, bool)


@functools.cache
def _fields(model: type[models.Model], hashed: tuple[str, ...]) -> tuple[_Field, ...]:
    out = []
    for name in hashed:
        field = model._meta.get_field(name.removesuffix("_id"))
        is_json = isinstance(field, models.JSONField)
        encoder = field.encoder if is_json else None  # type: ignore[attr-defined]
        out.append((name, is_json, encoder, getattr(field, "decimal_places", None)))
    return tuple(out)


def _value(value: Any, is_json: bool, encoder: Any, places: int | None) -> Any:
    if value is None:
        return None
    if is_json:
        # As stored: through the field's encoder, so Decimals and dates read back the same.
        return json.loads(json.dumps(value, cls=encoder))
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places))
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical(instance: models.Model, hashed: tuple[str, ...] | None = None) -> str:
    """The canonical serialisation of `instance`'s HASHED_FIELDS (see module docstring).

    The fields' metadata is read once per model and list of fields: bulk writers hash many
    rows (plania.ledger.batch, the demo data at scale)."""
    model = type(instance)
    names = hashed or model.HASHED_FIELDS  # type: ignore[attr-defined]
    fields = {
        name: _value(getattr(instance, name), is_json, encoder, places)
        for name, is_json, encoder, places in _fields(model, tuple(names))
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _secret(key: str | None = None) -> bytes:
    """The chains' key: `key`, else settings.PLANIA_CHAIN_KEY, read at each call (tests
    override it; `plania chain_rekey` passes the previous one)."""
    return str(settings.PLANIA_CHAIN_KEY if key is None else key).encode()


def mac(message: str, key: str | None = None) -> str:
    """HMAC-SHA256 of `message` under the chains' key, hex."""
    return hmac.new(_secret(key), message.encode(), hashlib.sha256).hexdigest()


def link(previous: str, payload: str, key: str | None = None) -> str:
    """A history row's hash: HMAC-SHA256(key, "link:" + previous hash + payload), hex."""
    return mac("link:" + previous + payload, key)


def sealed_payload(payload: str, key: str | None = None) -> str:
    """What the ledger's SQL hashes after the previous hash: the payload and its seal."""
    return payload + mac("seal:" + payload, key)


def sealed_link(previous: str, payload: str, key: str | None = None) -> str:
    """A ledger entry's hash: sha256(previous + payload + seal), hex; SQL computes the same
    from `sealed_payload`."""
    return hashlib.sha256((previous + sealed_payload(payload, key)).encode()).hexdigest()


def plain_link(previous: str, payload: str) -> str:
    """The form before the key (issue 7): sha256(previous + payload). Only the migrations
    that hashed rows then, and the one that re-hashed them under the key, use it."""
    return hashlib.sha256((previous + payload).encode()).hexdigest()


def link_of(model: type[models.Model]) -> Any:
    """The link function of `model`'s chains: `sealed_link` for those whose hash SQL
    computes (CHAIN_SEALED = True: the ledger), `link` otherwise."""
    return sealed_link if getattr(model, "CHAIN_SEALED", False) else link


def chain_key(instance: models.Model) -> tuple[Any, ...]:
    return tuple(getattr(instance, name) for name in type(instance).CHAIN_FIELDS)  # type: ignore[attr-defined]


def save_chained(instance: models.Model, save: Any, *args: Any, **kwargs: Any) -> None:
    """Insert a history row with its chain hash, serialised on its subject rows.

    The first set subject of the model's `CHAIN_LOCKS` (foreign-key attnames, most
    specific first; every row of a chain has the same one) is locked FOR NO KEY UPDATE
    first, so two writers of one chain never read the same predecessor even when the
    caller forgot to lock it. A writer that has already locked the subject row in the
    current transaction (an UPDATE of it holds the lock until the commit) sets
    `instance.chain_subject_locked = True` to spare that query.

    No savepoint: a failed insert fails the caller's transaction, which is what every
    caller wants (a transition without its history row must not commit).
    """
    model = type(instance)
    with transaction.atomic(savepoint=False):
        for attname in (
            [] if getattr(instance, "chain_subject_locked", False) else model.CHAIN_LOCKS
        ):  # type: ignore[attr-defined]
            pk = getattr(instance, attname)
            if pk is not None:
                related = instance._meta.get_field(attname.removesuffix("_id")).related_model
                related._default_manager.select_for_update(no_key=True).filter(  # type: ignore[union-attr]
                    pk=pk
                ).values_list("pk").first()
                break
        key = dict(zip(model.CHAIN_FIELDS, chain_key(instance), strict=True))  # type: ignore[attr-defined]
        previous = (
            model._default_manager.filter(**key)
            .order_by("-pk")
            .values_list("chain_hash", flat=True)
            .first()
        )
        instance.chain_hash = link_of(model)(previous or "", canonical(instance))  # type: ignore[attr-defined]
        save(*args, **kwargs)


@dataclass(frozen=True)
class Mismatch:
    table: str
    pk: Any
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.table} id {self.pk}: expected {self.expected}, found {self.found}"


def walk(model: type[models.Model]) -> Iterator[tuple[tuple[Any, ...], models.Model, str]]:
    """(chain key, row, expected hash) for every row of `model`, chain by chain."""
    order = [*model.CHAIN_FIELDS, "pk"]  # type: ignore[attr-defined]
    make = link_of(model)
    current: tuple[Any, ...] | None = None
    previous = ""
    for row in model._base_manager.order_by(*order).iterator(chunk_size=2000):
        key = chain_key(row)
        if key != current:
            current, previous = key, ""
        yield key, row, make(previous, canonical(row))
        previous = row.chain_hash  # type: ignore[attr-defined]


@dataclass
class Survey:
    """What a walk of one model found (`survey`)."""

    rows: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    # chain key -> (rows, last hash)
    heads: dict[tuple[Any, ...], tuple[int, str]] = field(default_factory=dict)
    # chain key -> hash of its row number `anchors[key][0]` (1-based), when it has one
    at_anchor: dict[tuple[Any, ...], str] = field(default_factory=dict)


def survey(
    model: type[models.Model], anchors: dict[tuple[Any, ...], tuple[int, str]] | None = None
) -> Survey:
    """Walk every chain of `model`: the first mismatch of each broken chain, each chain's
    length and last hash, and, for the chains of `anchors` (chain key -> rows and head of
    a checkpoint), the hash of the row at the checkpoint's length."""
    found, broken = Survey(), set()
    anchors = anchors or {}
    for key, row, expected in walk(model):
        found.rows += 1
        rows = found.heads.get(key, (0, ""))[0] + 1
        found.heads[key] = (rows, row.chain_hash)  # type: ignore[attr-defined]
        anchor = anchors.get(key)
        if anchor is not None and anchor[0] == rows:
            found.at_anchor[key] = row.chain_hash  # type: ignore[attr-defined]
        if key not in broken and row.chain_hash != expected:  # type: ignore[attr-defined]
            broken.add(key)
            found.mismatches.append(
                Mismatch(model._meta.db_table, row.pk, expected, row.chain_hash)  # type: ignore[attr-defined]
            )
    return found


def verify_model(model: type[models.Model]) -> tuple[int, list[Mismatch], dict[Any, str]]:
    """Rows checked, the first mismatch of each broken chain, and each chain's last hash."""
    found = survey(model)
    return found.rows, found.mismatches, {key: head for key, (_n, head) in found.heads.items()}


def chain_heads(model: type[models.Model]) -> dict[tuple[Any, ...], tuple[int, str]]:
    """Each chain of `model`: its number of rows and its last hash, in two queries (no
    walk: the daily checkpoint reads them; `survey` checks them)."""
    names = list(model.CHAIN_FIELDS)  # type: ignore[attr-defined]
    rows = model._base_manager.order_by()
    counts = {
        tuple(values[:-1]): values[-1]
        for values in rows.values(*names).annotate(n=models.Count("pk")).values_list(*names, "n")
    }
    last = rows.order_by(*names, "-pk").distinct(*names).values_list(*names, "chain_hash")
    return {tuple(values[:-1]): (counts[tuple(values[:-1])], values[-1]) for values in last}


def backfill(
    apps: Any,
    schema_editor: Any,
    *,
    model: str,
    hashed: tuple[str, ...],
    chain_fields: tuple[str, ...],
    update_trigger: str = "",
) -> dict[tuple[Any, ...], str]:
    """Data migration: hash the rows written before the chains existed, in the form of
    that time (`plain_link`; plania/ops/migrations/0002 re-hashes them under the key).

    Only rows whose chain_hash is empty are written (so running it again changes nothing,
    and never re-hashes a row that was edited since). The table's append-only UPDATE
    trigger is disabled for the time of the migration. Returns each
    chain's last hash.
    """
    Model = apps.get_model(model)
    table = Model._meta.db_table
    if update_trigger:
        # ALTER TABLE refuses to run with deferred foreign-key checks pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {update_trigger}")
    heads: dict[tuple[Any, ...], str] = {}
    for row in Model._base_manager.order_by(*chain_fields, "pk").iterator(chunk_size=2000):
        key = tuple(getattr(row, name) for name in chain_fields)
        if not row.chain_hash:
            row.chain_hash = plain_link(heads.get(key, ""), canonical(row, hashed))
            Model._base_manager.filter(pk=row.pk).update(chain_hash=row.chain_hash)
        heads[key] = row.chain_hash
    if update_trigger:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {update_trigger}")
    return heads
