"""Dated parameters, OpenFisca-style.

A parameter is a list of dated values; each value says where it comes from (the seed
article, a regulation, a deliberation of the Commission permanente), may end, and carries
a status telling whether it is settled ("set"), a placeholder awaiting the Region's
decision ("to_be_set_by_region") or an illustration ("example"). The UI shows the status
next to every figure that depends on it.

Periods are half-open [start, end) (DESIGN.md §3). A value without `end` stays in force
until the next value starts. Looking a parameter up on a date with no value in force is an
error, never a silent default: an award must be reproducible from the rules in force on
its day.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeAlias

Status: TypeAlias = Literal["set", "to_be_set_by_region", "example"]
STATUSES: tuple[Status, ...] = ("set", "to_be_set_by_region", "example")

# What a parameter holds; money and rates are Decimal, never float (CONVENTIONS.md).
ParamKind: TypeAlias = Literal["amount", "rate", "integer", "text", "text_list", "boolean"]
PARAM_KINDS: tuple[ParamKind, ...] = (
    "amount",
    "rate",
    "integer",
    "text",
    "text_list",
    "boolean",
)
ParamValue: TypeAlias = Decimal | int | str | bool | tuple[str, ...]

STATUS_LABELS: dict[Status, tuple[str, str]] = {
    "set": ("fixé", "set"),
    "to_be_set_by_region": ("à fixer par la Région", "to be set by the Region"),
    "example": ("valeur d'exemple", "example value"),
}


class ParameterError(ValueError):
    """A parameter value of the wrong kind, or an inconsistent list of dated values."""


class ParameterNotInForce(LookupError):
    """No value of the parameter is in force on the date asked."""

    def __init__(self, name: str, on: date, periods: Iterable[tuple[date, date | None]]) -> None:
        shown = ", ".join(f"[{s.isoformat()}, {e.isoformat() if e else '…'})" for s, e in periods)
        super().__init__(
            f"Le paramètre « {name} » n'a pas de valeur en vigueur le {on.isoformat()} "
            f"(périodes connues : {shown or 'aucune'}) / parameter '{name}' has no value in "
            f"force on {on.isoformat()} (known periods: {shown or 'none'})"
        )
        self.name = name
        self.on = on


def coerce_value(kind: ParamKind, raw: object) -> ParamValue:
    """Turn a raw value (from YAML or from a `NAME=VALUE` override) into the parameter's kind.

    Floats are refused for money: YAML `0.1` would be a binary float, so rates and amounts
    are read through their decimal text (str(0.1) == "0.1"), which is what the file says.
    """
    if kind in ("amount", "rate"):
        if isinstance(raw, bool):
            raise ParameterError(f"expected a number, got {raw!r}")
        if isinstance(raw, int | Decimal):
            value = Decimal(raw)
        elif isinstance(raw, float | str):
            try:
                value = Decimal(str(raw).strip().replace("_", ""))
            except InvalidOperation:
                raise ParameterError(f"expected a number, got {raw!r}") from None
        else:
            raise ParameterError(f"expected a number, got {raw!r}")
        if not value.is_finite():
            raise ParameterError(f"expected a finite number, got {raw!r}")
        if kind == "amount" and value != value.quantize(Decimal("0.01")):
            raise ParameterError(
                f"expected an amount in euros with at most 2 decimals, got {raw!r}"
            )
        return value
    if kind == "integer":
        if isinstance(raw, bool):
            raise ParameterError(f"expected an integer, got {raw!r}")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw.strip())
        raise ParameterError(f"expected an integer, got {raw!r}")
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in {"1", "true", "yes", "oui"}:
            return True
        if isinstance(raw, str) and raw.strip().lower() in {"0", "false", "no", "non"}:
            return False
        raise ParameterError(f"expected true or false, got {raw!r}")
    if kind == "text":
        if isinstance(raw, str) and raw.strip():
            return raw.strip()
        raise ParameterError(f"expected a non-empty text, got {raw!r}")
    if kind == "text_list":
        if isinstance(raw, str):
            items: list[object] = [x for x in raw.split(",")]
        elif isinstance(raw, list | tuple):
            items = list(raw)
        else:
            raise ParameterError(f"expected a list of texts, got {raw!r}")
        out: list[str] = []
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise ParameterError(f"expected a list of non-empty texts, got {raw!r}")
            out.append(item.strip())
        return tuple(out)
    raise ParameterError(f"unknown parameter kind {kind!r}")  # pragma: no cover


@dataclass(frozen=True)
class DatedValue:
    """One value of a parameter, in force on [start, end)."""

    start: date
    value: ParamValue
    source: str
    status: Status
    end: date | None = None
    note: str = ""

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on < self.end)


@dataclass(frozen=True)
class Parameter:
    """A named parameter: its kind, labels and dated values (sorted, non-overlapping)."""

    name: str
    kind: ParamKind
    label_fr: str
    label_en: str
    values: tuple[DatedValue, ...]
    unit: str = ""

    def __post_init__(self) -> None:
        if not self.values:
            raise ParameterError(f"parameter '{self.name}' has no value")
        previous: DatedValue | None = None
        for v in self.values:
            if v.end is not None and v.end <= v.start:
                raise ParameterError(
                    f"parameter '{self.name}': value from {v.start} ends on {v.end}, "
                    "which is not after its start"
                )
            if previous is not None and v.start <= previous.start:
                raise ParameterError(
                    f"parameter '{self.name}': values must be sorted by start date "
                    f"({v.start} comes after {previous.start})"
                )
            if previous is not None and previous.end is not None and previous.end > v.start:
                raise ParameterError(
                    f"parameter '{self.name}': value from {previous.start} runs until "
                    f"{previous.end}, past the start of the next one ({v.start})"
                )
            previous = v

    def value_at(self, on: date) -> DatedValue:
        """The value in force on `on`; raise ParameterNotInForce if there is none."""
        for i, v in enumerate(self.values):
            nxt = self.values[i + 1].start if i + 1 < len(self.values) else None
            end = v.end if v.end is not None else nxt
            if v.start <= on and (end is None or on < end):
                return v
        periods = []
        for i, v in enumerate(self.values):
            nxt = self.values[i + 1].start if i + 1 < len(self.values) else None
            periods.append((v.start, v.end if v.end is not None else nxt))
        raise ParameterNotInForce(self.name, on, periods)


@dataclass(frozen=True)
class ResolvedParameter:
    """A parameter's value as used on one date: the figure and where it comes from.

    Kept with each result so that every figure can be reproduced (CRPA R311-3-1-2: the
    parameters as applied to that company).
    """

    name: str
    kind: ParamKind
    value: ParamValue
    status: Status
    source: str
    start: date
    end: date | None
    label_fr: str
    label_en: str
    unit: str = ""
    overridden_from: ParamValue | None = None

    @property
    def overridden(self) -> bool:
        return self.overridden_from is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": format_value(self.value),
            "status": self.status,
            "source": self.source,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "overridden_from": (
                format_value(self.overridden_from) if self.overridden_from is not None else None
            ),
        }


def format_value(value: ParamValue) -> str:
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class ParameterSet:
    """All parameters of a scheme version, by name."""

    parameters: Mapping[str, Parameter]

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self.parameters)

    def resolve(
        self, on: date, overrides: Mapping[str, object] | None = None
    ) -> dict[str, ResolvedParameter]:
        """Every parameter's value on `on`, with `overrides` (NAME -> raw value) applied.

        An override replaces the value for a what-if simulation; the result remembers the
        value it replaced. An unknown name is an error (a typo must not pass silently).
        """
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(self.parameters))
        if unknown:
            raise ParameterError(
                f"paramètre(s) inconnu(s) / unknown parameter(s): {', '.join(unknown)} "
                f"(known: {', '.join(sorted(self.parameters))})"
            )
        out: dict[str, ResolvedParameter] = {}
        for name, param in self.parameters.items():
            dv = param.value_at(on)
            resolved = ResolvedParameter(
                name=name,
                kind=param.kind,
                value=dv.value,
                status=dv.status,
                source=dv.source,
                start=dv.start,
                end=dv.end,
                label_fr=param.label_fr,
                label_en=param.label_en,
                unit=param.unit,
            )
            if name in overrides:
                try:
                    new_value = coerce_value(param.kind, overrides[name])
                except ParameterError as exc:
                    raise ParameterError(f"override of '{name}': {exc}") from None
                resolved = replace(
                    resolved,
                    value=new_value,
                    source=f"override (simulation) — was {format_value(dv.value)}",
                    overridden_from=dv.value,
                )
            out[name] = resolved
        return out


def parse_override(text: str) -> tuple[str, str]:
    """Split a `NAME=VALUE` command-line override."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ParameterError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()
