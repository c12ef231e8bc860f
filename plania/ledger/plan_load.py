"""Loading a plan file into the database, with its budget authority in the ledger.

Here, in the ledger's room, because a plan's load is its allocations as much as its rows:
the plans room holds the plan's structure and its file format (plania.plans.planfile), and
knows nothing of the ledger; the ledger stands on the plan's envelopes.

`plan_load` is idempotent: loading the same file twice changes nothing. Loading a changed
file updates names and descriptions in place, and records every change of an amount as a
budget revision: an allocation entry in the ledger (positive or negative) plus a
PlanRevision row listing what changed. A revision that would bring an envelope below what
is already committed on it is refused by the ledger, and nothing of the load is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction

from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.services import LedgerError, ledger_allocate
from plania.plans.enums import TargetMeasure
from plania.plans.models import Axis, ContextFigure, Envelope, Plan, PlanRevision, Source, Target
from plania.plans.planfile import (
    AxisDoc,
    EnvelopeDoc,
    PlanDoc,
    PlanFileError,
    TargetDoc,
    read_plan_file,
)


@dataclass
class LoadResult:
    plan: Plan
    created: bool
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changes)


class _Loader:
    def __init__(self, doc: PlanDoc, *, file_name: str, sha256: str, actor: Any, label: str):
        self.doc = doc
        self.file_name = file_name
        self.sha256 = sha256
        self.actor = actor
        self.label = label
        self.changes: list[str] = []
        self.sources: dict[str, Source] = {}

    # -- generic upsert ---------------------------------------------------------------
    def _upsert(
        self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], what: str
    ) -> models.Model:
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            self.changes.append(f"+ {what}")
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                self.changes.append(f"~ {what}.{name}: {getattr(obj, name)!r} -> {values[name]!r}")
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
        return obj

    # -- pieces -----------------------------------------------------------------------
    def _plan(self) -> tuple[Plan, bool]:
        doc = self.doc
        existing = Plan.objects.filter(code=doc.code).first()
        related = None
        if doc.related_plan:
            related = Plan.objects.filter(code=doc.related_plan).first()
            if related is None:
                raise PlanFileError(
                    self.file_name,
                    [("related_plan", f"no plan '{doc.related_plan}' is loaded; load it first")],
                )
        if existing is None:
            # Sources need the plan; create the plan with a provisional budget source.
            plan = Plan(code=doc.code)
            created = True
        else:
            plan = existing
            created = False
        self.plan = plan
        values = {
            "kind": doc.kind,
            "name_fr": doc.name.fr,
            "name_en": doc.name.en,
            "region": doc.region,
            "start_date": doc.period.start,
            "end_date": doc.period.end,
            "adopted_on": doc.adoption.date if doc.adoption else None,
            "adopted_by_fr": doc.adoption.by.fr if doc.adoption else "",
            "adopted_by_en": doc.adoption.by.en if doc.adoption else "",
            "budget": doc.budget.amount,
            "summary_fr": doc.summary.fr if doc.summary else "",
            "summary_en": doc.summary.en if doc.summary else "",
            "related_plan": related,
            "quotes": {
                "budget": doc.budget.quote,
                **({"adoption": doc.adoption.quote} if doc.adoption else {}),
            },
        }
        if created:
            # budget_source is required: save with a placeholder source first.
            for name, value in values.items():
                setattr(plan, name, value)
            plan.file_sha256 = self.sha256
            plan.save()
            self._sources()
            plan.budget_source = self.sources[doc.budget.source]
            plan.adoption_source = self.sources[doc.adoption.source] if doc.adoption else None
            plan.save(update_fields=["budget_source", "adoption_source"])
            self.changes.append(f"+ plan {doc.code}")
        else:
            self._sources()
            values["budget_source"] = self.sources[doc.budget.source]
            values["adoption_source"] = self.sources[doc.adoption.source] if doc.adoption else None
            changed = [n for n, v in values.items() if getattr(plan, n) != v]
            for name in changed:
                self.changes.append(f"~ plan.{name}: {getattr(plan, name)!r} -> {values[name]!r}")
                setattr(plan, name, values[name])
            if changed:
                plan.save(update_fields=changed)
        return plan, created

    def _sources(self) -> None:
        for s in self.doc.sources:
            self.sources[s.key] = self._upsert(  # type: ignore[assignment]
                Source,
                {"plan": self.plan, "key": s.key},
                {
                    "title": s.title,
                    "url": s.url,
                    "published_on": s.published_on,
                    "note": s.note,
                },
                f"source {s.key}",
            )

    def _axis(self, number: int, doc: AxisDoc) -> Axis:
        return self._upsert(  # type: ignore[return-value]
            Axis,
            {"plan": self.plan, "code": doc.code},
            {
                "number": doc.number,
                "name_fr": doc.name.fr,
                "name_en": doc.name.en,
                "budget": doc.budget.amount,
                "budget_source": self.sources[doc.budget.source],
                "summary_fr": doc.summary.fr if doc.summary else "",
                "summary_en": doc.summary.en if doc.summary else "",
                "sectors": [
                    {"code": s.code, "name_fr": s.fr, "name_en": s.en} for s in doc.sectors
                ],
                "sectors_source": self.sources[doc.sectors_source] if doc.sectors_source else None,
                "quotes": {"budget": doc.budget.quote},
            },
            f"axis {doc.code}",
        )

    def _envelope(
        self,
        *,
        code: str,
        name: Any,
        summary: Any,
        axis: Axis | None,
        parent: Envelope | None,
        cap: Any,
        floor: Any,
        budget_year: int | None,
        position: int,
    ) -> Envelope:
        envelope = self._upsert(
            Envelope,
            {"code": code},
            {
                "plan": self.plan,
                "axis": axis,
                "parent": parent,
                "name_fr": name.fr,
                "name_en": name.en,
                "summary_fr": summary.fr if summary else "",
                "summary_en": summary.en if summary else "",
                "cap": cap.amount if cap else None,
                "cap_source": self.sources[cap.source] if cap else None,
                "floor": floor.amount if floor else None,
                "floor_source": self.sources[floor.source] if floor else None,
                "budget_year": budget_year,
                "position": position,
                "quotes": {
                    **({"cap": cap.quote} if cap else {}),
                    **({"floor": floor.quote} if floor else {}),
                },
            },
            f"envelope {code}",
        )
        self.seen_envelopes.add(envelope.pk)
        self._allocate(envelope, cap.amount if cap else None)  # type: ignore[arg-type]
        return envelope  # type: ignore[return-value]

    def _allocate(self, envelope: Envelope, amount: Decimal | None) -> None:
        """Bring the envelope's allocation in the ledger to `amount` (a budget revision)."""
        current = sum(
            LedgerEntry.objects.filter(envelope=envelope, kind=EntryKind.ALLOCATION).values_list(
                "amount", flat=True
            ),
            Decimal("0.00"),
        )
        target = amount if amount is not None else Decimal("0.00")
        delta = target - current
        if delta == 0:
            return
        year = envelope.budget_year or self.plan.start_date.year
        on = self.plan.adopted_on or self.plan.start_date
        first = current == 0
        try:
            ledger_allocate(
                envelope=envelope,
                amount=delta,
                budget_year=year,
                on=on if first else _today(),
                reference=f"{self.plan.code}:{envelope.code}",
                reason=(
                    f"Affectation initiale ({self.file_name})"
                    if first
                    else f"Révision budgétaire ({self.file_name}) : {current} -> {target} EUR"
                ),
                actor=self.actor,
                actor_label=self.label,
            )
        except LedgerError as exc:
            raise PlanFileError(self.file_name, [(f"envelope {envelope.code}", str(exc))]) from exc
        self.changes.append(f"$ allocation {envelope.code}: {current} -> {target} EUR")

    def _envelopes(
        self, docs: list[EnvelopeDoc], axis: Axis | None, parent: Envelope | None
    ) -> None:
        for i, doc in enumerate(docs):
            env = self._envelope(
                code=doc.code,
                name=doc.name,
                summary=doc.summary,
                axis=axis,
                parent=parent,
                cap=doc.cap,
                floor=doc.floor,
                budget_year=doc.budget_year,
                position=i + 1,
            )
            self._envelopes(doc.envelopes, axis, env)

    def _target(self, doc: TargetDoc, axis: Axis | None, position: int) -> None:
        measure = doc.measure
        kind = (
            TargetMeasure.BOTH
            if measure.computed and measure.entered
            else TargetMeasure.COMPUTED
            if measure.computed
            else TargetMeasure.ENTERED
        )
        self.seen_targets.add(doc.code)
        self._upsert(
            Target,
            {"plan": self.plan, "code": doc.code},
            {
                "axis": axis,
                "scheme_code": doc.scheme,
                "scope": doc.scope,
                "name_fr": doc.name.fr,
                "name_en": doc.name.en,
                "baseline": doc.baseline.value if doc.baseline else None,
                "baseline_year": doc.baseline.year if doc.baseline else None,
                "baseline_source": self.sources[doc.baseline.source] if doc.baseline else None,
                "target_value": doc.target.value,
                "target_ratio": doc.target.ratio,
                "target_source": self.sources[doc.target.source],
                "unit_fr": doc.unit.fr,
                "unit_en": doc.unit.en,
                "period_start": doc.period.start,
                "period_end": doc.period.end,
                "frequency": doc.frequency,
                "measure": kind,
                "metric": measure.computed.model_dump() if measure.computed else {},
                "reported_by": measure.entered.reported_by if measure.entered else "",
                "position": position,
                "quotes": {
                    "target": doc.target.quote,
                    **({"baseline": doc.baseline.quote} if doc.baseline else {}),
                },
            },
            f"target {doc.code}",
        )

    # -- the whole load ---------------------------------------------------------------
    def run(self) -> LoadResult:
        plan, created = self._plan()
        self.seen_envelopes: set[int] = set()
        self.seen_targets: set[str] = set()
        position = 0
        for axis_doc in self.doc.axes:
            axis = self._axis(axis_doc.number, axis_doc)
            # The axis's root envelope carries the axis budget.
            root = self._envelope(
                code=axis_doc.code,
                name=axis_doc.name,
                summary=axis_doc.summary,
                axis=axis,
                parent=None,
                cap=axis_doc.budget,
                floor=None,
                budget_year=None,
                position=0,
            )
            self._envelopes(axis_doc.envelopes, axis, root)
            for target_doc in axis_doc.targets:
                position += 1
                self._target(target_doc, axis, position)
        self._envelopes(self.doc.envelopes, None, None)
        for target_doc in self.doc.targets:
            position += 1
            self._target(target_doc, None, position)
        for i, fig in enumerate(self.doc.context):
            self._upsert(
                ContextFigure,
                {"plan": plan, "code": fig.code},
                {
                    "name_fr": fig.fr,
                    "name_en": fig.en,
                    "value": fig.value,
                    "unit_fr": fig.unit.fr,
                    "unit_en": fig.unit.en,
                    "source": self.sources[fig.source],
                    "quote": fig.quote,
                    "position": i + 1,
                },
                f"context {fig.code}",
            )
        self._remove_missing(plan)
        if plan.file_sha256 != self.sha256:
            plan.file_sha256 = self.sha256
            plan.save(update_fields=["file_sha256"])
        if self.changes and not created:
            PlanRevision.objects.create(
                plan=plan,
                actor_label=self.label,
                file_name=self.file_name,
                file_sha256=self.sha256,
                changes=self.changes,
            )
        return LoadResult(plan=plan, created=created, changes=self.changes)

    def _remove_missing(self, plan: Plan) -> None:
        """What the file no longer lists goes, unless money was moved on it."""
        problems = []
        for env in Envelope.objects.filter(plan=plan).exclude(pk__in=self.seen_envelopes):
            if LedgerEntry.objects.filter(envelope=env).exclude(kind=EntryKind.ALLOCATION).exists():
                problems.append(
                    (
                        f"envelope {env.code}",
                        "is no longer in the file but has commitments: keep it (set its "
                        "cap to what is committed) instead of removing it",
                    )
                )
                continue
            if not LedgerEntry.objects.filter(envelope=env).exists():
                self.changes.append(f"- envelope {env.code}")
                env.delete()
                continue
            # Kept for the ledger's history, with its allocation withdrawn (once).
            self._allocate(env, None)
        if problems:
            raise PlanFileError(self.file_name, problems)
        for target in Target.objects.filter(plan=plan).exclude(code__in=self.seen_targets):
            self.changes.append(f"- target {target.code}")
            target.delete()


def _today():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.localdate()


def plan_load(*, path: str | Path, actor: Any = None, actor_label: str = "") -> LoadResult:
    """Load (or reload) a plan file; all or nothing."""
    doc, sha256 = read_plan_file(path)
    label = actor_label or f"load_plan {Path(path).name}"
    with transaction.atomic():
        return _Loader(
            doc, file_name=Path(path).name, sha256=sha256, actor=actor, label=label
        ).run()
