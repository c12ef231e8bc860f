"""Scoring grids: how officers and experts score a dossier of a scheme version.

A grid is data, in its own file per scheme version, ``plania/data/scoring/<scheme>-<version>.yaml``
(kept apart from the scheme's rule file so that the rules' sha256 frozen with each dossier
does not change when the Region adjusts a grid):

    scheme: startup-industrie-demain
    version: "2025"
    status: example            # set | to_be_set_by_region | example (shown in the UI)
    source: "Proposition ... à fixer par la Région"
    criteria:
      - id: innovation
        label: {fr: "...", en: "..."}
        description: {fr: "...", en: "..."}
        weight: 3               # > 0; any positive number, only the ratios matter
        scale: {min: 0, max: 5} # whole points, min < max

The weighted score of one set of scores puts every criterion on [0, 1] over its own
scale, weights it, and reads the result out of 100, so that criteria with different
scales can be combined:

    score = 100 x sum(w_i x (s_i - min_i) / (max_i - min_i)) / sum(w_i)

rounded half up to the hundredth at the end only. A panel's average is the mean of the
members' exact weighted scores (then rounded): every complete opinion weighs the same.
Who is left out of a panel (a conflicted expert) is the caller's decision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal, TypeAlias

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plania.rules.params import STATUS_LABELS, Status

SCORING_DIR = Path(__file__).resolve().parent.parent / "data" / "scoring"
HUNDRED = Decimal(100)
HUNDREDTH = Decimal("0.01")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,49}$")

ProblemCode: TypeAlias = Literal["missing", "unknown", "not_integer", "out_of_range"]


class ScoringFileError(ValueError):
    """A grid file that cannot be used; `problems` lists (path inside the file, message)."""

    def __init__(self, file: Path | str, problems: Sequence[tuple[str, str]]) -> None:
        self.file = str(file)
        self.problems = list(problems)
        lines = [f"{self.file}: {path or '(root)'}: {msg}" for path, msg in self.problems]
        super().__init__("Grille de notation invalide / invalid scoring grid:\n" + "\n".join(lines))


# --- The file's schema (pydantic; extra fields are refused so that a typo is caught). ---


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Text(_Strict):
    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _Scale(_Strict):
    min: int
    max: int


class _Criterion(_Strict):
    id: str
    label: _Text
    description: _Text
    weight: Decimal = Field(gt=0)
    scale: _Scale


class _Grid(_Strict):
    scheme: str = Field(min_length=1)
    version: str = Field(min_length=1)
    status: Status
    source: str = Field(min_length=1)
    criteria: list[_Criterion] = Field(min_length=1)


# --- What the rest of PlanIA uses. ---


@dataclass(frozen=True)
class ScoringCriterion:
    id: str
    label_fr: str
    label_en: str
    description_fr: str
    description_en: str
    weight: Decimal
    scale_min: int
    scale_max: int

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_fr

    @property
    def points(self) -> tuple[int, ...]:
        """Every score allowed on this criterion, lowest first."""
        return tuple(range(self.scale_min, self.scale_max + 1))


@dataclass(frozen=True)
class ScoringGrid:
    scheme: str
    version: str
    status: Status
    source: str
    criteria: tuple[ScoringCriterion, ...]
    source_file: str = "<memory>"

    @property
    def total_weight(self) -> Decimal:
        return sum((c.weight for c in self.criteria), Decimal(0))

    def criterion(self, criterion_id: str) -> ScoringCriterion | None:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        return None

    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    def status_label(self, lang: str) -> str:
        fr, en = STATUS_LABELS[self.status]
        return en if lang == "en" else fr

    def weight_share(self, criterion: ScoringCriterion) -> Decimal:
        """The criterion's share of the total weight, in percent (two decimals)."""
        return (criterion.weight * HUNDRED / self.total_weight).quantize(
            HUNDREDTH, rounding=ROUND_HALF_UP
        )


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def parse_grid(data: object, *, source: str = "<memory>") -> ScoringGrid:
    """Validate a grid read from YAML (or built in a test); ScoringFileError naming every
    problem otherwise."""
    try:
        model = _Grid.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unexpected field (not part of the scoring grid format)"
            elif err["type"] == "missing":
                msg = "required field is missing"
            problems.append((_path(err["loc"]), msg))
        raise ScoringFileError(source, problems) from None
    problems = []
    seen: set[str] = set()
    for i, c in enumerate(model.criteria):
        if not _ID.match(c.id):
            problems.append(
                (
                    f"criteria[{i}].id",
                    f"expected a lower-case identifier [a-z][a-z0-9_]*, got {c.id!r}",
                )
            )
        if c.id in seen:
            problems.append((f"criteria[{i}].id", f"duplicate criterion id {c.id!r}"))
        seen.add(c.id)
        if c.scale.min >= c.scale.max:
            problems.append(
                (f"criteria[{i}].scale", f"min ({c.scale.min}) must be below max ({c.scale.max})")
            )
        if c.scale.min < 0:
            problems.append((f"criteria[{i}].scale.min", "a score is never negative"))
        if not c.weight.is_finite():
            problems.append((f"criteria[{i}].weight", "expected a finite number"))
    if problems:
        raise ScoringFileError(source, problems)
    return ScoringGrid(
        scheme=model.scheme,
        version=model.version,
        status=model.status,
        source=model.source,
        criteria=tuple(
            ScoringCriterion(
                id=c.id,
                label_fr=c.label.fr,
                label_en=c.label.en,
                description_fr=c.description.fr,
                description_en=c.description.en,
                weight=c.weight,
                scale_min=c.scale.min,
                scale_max=c.scale.max,
            )
            for c in model.criteria
        ),
        source_file=source,
    )


def load_grid_file(path: Path | str) -> ScoringGrid:
    """Read and validate one grid file; its scheme and version must match its name."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScoringFileError(path, [("", f"not valid YAML: {exc}")]) from None
    except OSError as exc:
        raise ScoringFileError(path, [("", f"cannot be read: {exc}")]) from None
    grid = parse_grid(data, source=str(path))
    expected = f"{grid.scheme}-{grid.version}"
    if path.stem != expected:
        raise ScoringFileError(
            path, [("", f"the file of {grid.scheme} {grid.version} must be named {expected}.yaml")]
        )
    return grid


def grid_path(scheme: str, version: str, directory: Path | str = SCORING_DIR) -> Path:
    return Path(directory) / f"{scheme}-{version}.yaml"


def find_grid(scheme: str, version: str, directory: Path | str = SCORING_DIR) -> ScoringGrid | None:
    """The grid of a scheme version, None when the Region has not written one."""
    path = grid_path(scheme, version, directory)
    if not path.is_file():
        return None
    return load_grid_file(path)


# --- Scores. ---


def _as_int(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        return int(raw)
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"\s*\d+\s*", raw):
        return int(raw)
    return None


def check_scores(
    grid: ScoringGrid, scores: Mapping[str, object]
) -> tuple[dict[str, int], dict[str, ProblemCode]]:
    """The scores read (criterion id -> whole points) and, per criterion id, what is
    wrong: missing, unknown criterion, not a whole number, out of the criterion's scale.
    A complete, valid set has every criterion of the grid and nothing else."""
    read: dict[str, int] = {}
    problems: dict[str, ProblemCode] = {}
    for key in scores:
        if grid.criterion(key) is None:
            problems[key] = "unknown"
    for c in grid.criteria:
        raw = scores.get(c.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            problems[c.id] = "missing"
            continue
        value = _as_int(raw)
        if value is None:
            problems[c.id] = "not_integer"
        elif not c.scale_min <= value <= c.scale_max:
            problems[c.id] = "out_of_range"
        else:
            read[c.id] = value
    return read, problems


def _exact_score(grid: ScoringGrid, scores: Mapping[str, int]) -> Decimal:
    total = Decimal(0)
    for c in grid.criteria:
        if c.id not in scores:
            raise ValueError(f"no score for criterion {c.id!r}")
        value = scores[c.id]
        if not c.scale_min <= value <= c.scale_max:
            raise ValueError(f"score {value} of {c.id!r} outside [{c.scale_min}, {c.scale_max}]")
        total += c.weight * Decimal(value - c.scale_min) / Decimal(c.scale_max - c.scale_min)
    return total * HUNDRED / grid.total_weight


def _round(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def weighted_score(grid: ScoringGrid, scores: Mapping[str, int]) -> Decimal:
    """The weighted score out of 100 of one complete set of scores (two decimals)."""
    return _round(_exact_score(grid, scores))


def panel_average(grid: ScoringGrid, panel: Sequence[Mapping[str, int]]) -> Decimal | None:
    """The mean of the members' weighted scores out of 100; None for an empty panel."""
    if not panel:
        return None
    exact = [_exact_score(grid, scores) for scores in panel]
    return _round(sum(exact, Decimal(0)) / len(exact))


def criterion_means(
    grid: ScoringGrid, panel: Sequence[Mapping[str, int]]
) -> dict[str, Decimal | None]:
    """Per criterion, the mean score on the criterion's own scale (two decimals)."""
    out: dict[str, Decimal | None] = {}
    for c in grid.criteria:
        values = [scores[c.id] for scores in panel if c.id in scores]
        out[c.id] = _round(Decimal(sum(values)) / len(values)) if values else None
    return out


__all__ = [
    "SCORING_DIR",
    "ScoringCriterion",
    "ScoringFileError",
    "ScoringGrid",
    "check_scores",
    "criterion_means",
    "find_grid",
    "grid_path",
    "load_grid_file",
    "panel_average",
    "parse_grid",
    "weighted_score",
]
