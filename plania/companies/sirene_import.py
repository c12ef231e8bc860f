"""Importing INSEE's SIRENE stock files into the local store (`plania import_sirene`):
units and establishments in batches, each in its own transaction, with counts of what was
written and skipped. Apart from `plania.companies.services` (identification and
representatives), which reads the store this fills.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import reset_queries, transaction
from django.utils import timezone

from plania.companies.models import SireneEstablishment, SireneUnit
from plania.companies.sirene import (
    EstablishmentRow,
    Skip,
    UnitRow,
    check_stock,
    open_stock,
    read_establishments,
    read_units,
)

# -- SIRENE stock imports ------------------------------------------------------------


@dataclass
class ImportStats:
    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.inserted + self.updated

    @property
    def rows_per_s(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "skipped": self.skipped,
            "skipped_by_reason": dict(sorted(self.skipped_by_reason.items())),
            "seconds": round(self.seconds, 3),
            "rows_per_s": round(self.rows_per_s, 1),
        }


UNIT_UPDATE_FIELDS = [
    "creation_date",
    "denomination",
    "last_name",
    "usage_name",
    "first_name",
    "category",
    "naf_code",
    "size_band",
    "state",
    "legal_category",
    "head_office_nic",
    "imported_at",
]
ESTABLISHMENT_UPDATE_FIELDS = [
    "siren",
    "postcode",
    "commune_code",
    "is_head_office",
    "state",
    "imported_at",
]


def _unit(row: UnitRow, now: Any) -> SireneUnit:
    return SireneUnit(
        siren=row.siren,
        creation_date=row.creation_date,
        denomination=row.denomination,
        last_name=row.last_name,
        usage_name=row.usage_name,
        first_name=row.first_name,
        category=row.category,
        naf_code=row.naf_code,
        size_band=row.size_band,
        state=row.state,
        legal_category=row.legal_category,
        head_office_nic=row.head_office_nic,
        imported_at=now,
    )


def _establishment(row: EstablishmentRow, now: Any) -> SireneEstablishment:
    return SireneEstablishment(
        siret=row.siret,
        siren=row.siren,
        postcode=row.postcode,
        commune_code=row.commune_code,
        is_head_office=row.is_head_office,
        state=row.state,
        imported_at=now,
    )


def sirene_import(
    *,
    path: str | Path,
    kind: str,
    batch_size: int = 5000,
    on_skip: Callable[[Skip], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    check: bool = True,
) -> ImportStats:
    """Stream a StockUniteLegale (`kind="units"`) or StockEtablissement
    (`kind="establishments"`) file into the store, upserting by SIREN / SIRET.

    Two passes over the file. The first (`check_stock`, skipped with `check=False` when
    the caller has just run it) writes nothing and raises SireneFileError for what makes
    the whole file unusable: too large, a required column missing, a separator other
    than the comma, bytes that are not UTF-8, a record or a quoted field cut by the end
    of the file, a damaged zip. Such a file leaves the store exactly as it was, whatever
    line the problem is on. The second pass validates and writes: a record that fails
    validation (a bad SIREN, date, state...) is passed to `on_skip` with its line and
    not written, the others are.

    Why a check pass rather than one transaction around 28 million rows: a transaction
    that long would hold PostgreSQL's row locks and old row versions for the half hour of
    the import; the check pass reads
    about 400,000 rows a second (a minute for the full stock, against about 25 for the
    writes) and finds a bad file before anything is written.

    Memory is bounded by one batch: rows are read one at a time and written
    `batch_size` at a time (INSERT ... ON CONFLICT DO UPDATE), each batch in its own
    transaction, so an import interrupted during the second pass keeps what it wrote
    and can simply be run again (the upsert converges).
    """
    if kind == "units":
        reader, model, key = read_units, SireneUnit, "siren"
        build: Callable[[Any, Any], Any] = _unit
        update_fields = UNIT_UPDATE_FIELDS
    elif kind == "establishments":
        reader, model, key = read_establishments, SireneEstablishment, "siret"  # type: ignore[assignment]
        build = _establishment
        update_fields = ESTABLISHMENT_UPDATE_FIELDS
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    stats = ImportStats(kind=kind)
    started = time.perf_counter()
    now = timezone.now()
    batch: dict[str, Any] = {}
    pending_progress = 0

    def skip(item: Skip) -> None:
        stats.skipped += 1
        stats.skipped_by_reason[item.reason] += 1
        if on_skip is not None:
            on_skip(item)

    def flush() -> None:
        nonlocal pending_progress
        if batch:
            keys = list(batch)
            with transaction.atomic():
                existing = model.objects.filter(**{f"{key}__in": keys}).count()
                model.objects.bulk_create(
                    [build(row, now) for row in batch.values()],
                    update_conflicts=True,
                    unique_fields=[key],
                    update_fields=update_fields,
                )
            stats.updated += existing
            stats.inserted += len(keys) - existing
            batch.clear()
        # With DEBUG on, Django keeps every query's SQL: forget them, memory stays bounded.
        reset_queries()
        if on_progress is not None and pending_progress:
            on_progress(pending_progress)
        pending_progress = 0

    if check:
        check_stock(path, kind)
    with open_stock(path) as stream:
        for item in reader(stream):
            stats.read += 1
            pending_progress += 1
            if isinstance(item, Skip):
                skip(item)
                continue
            item_key = getattr(item, key)
            previous = batch.get(item_key)
            if previous is not None:
                # ON CONFLICT cannot touch one row twice in a statement; INSEE's stock has
                # one row per key, so a repeat is reported and the later row kept.
                skip(
                    Skip(
                        previous.line,
                        item_key,
                        "duplicate",
                        f"{key} repeated on line {item.line}; the later row is kept",
                    )
                )
            batch[item_key] = item
            if len(batch) >= batch_size:
                flush()
        flush()
    stats.seconds = time.perf_counter() - started
    return stats
