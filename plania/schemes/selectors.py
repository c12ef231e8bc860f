"""Reads of scheme versions (the rule files of plania/data/schemes), for pages and the API.

The rules core parses and validates the files; this room caches them per file modification
time, so pages do not re-parse YAML on every request.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from plania.rules.eligibility import format_param
from plania.rules.params import ResolvedParameter
from plania.rules.schemes import SCHEMES_DIR, Scheme, iter_scheme_files, load_scheme_file


@lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int) -> Scheme:
    return load_scheme_file(path)


def scheme_versions(directory: Path = SCHEMES_DIR) -> list[Scheme]:
    """Every shipped scheme version, by identifier then start date."""
    versions = [_load(str(p), p.stat().st_mtime_ns) for p in iter_scheme_files(directory)]
    return sorted(versions, key=lambda s: (s.id, s.valid_from))


def scheme_version(identifier: str, version: str) -> Scheme | None:
    for scheme in scheme_versions():
        if scheme.id == identifier and scheme.version == version:
            return scheme
    return None


@dataclass(frozen=True)
class ParameterRow:
    parameter: ResolvedParameter
    value_fr: str
    value_en: str

    @property
    def to_be_set(self) -> bool:
        return self.parameter.status == "to_be_set_by_region"

    @property
    def example(self) -> bool:
        return self.parameter.status == "example"


def parameter_rows(scheme: Scheme, on: date) -> list[ParameterRow]:
    """The parameters in force on `on`, formatted, with their status and source."""
    resolved = scheme.parameters.resolve(on)
    return [
        ParameterRow(p, format_param(p, "fr"), format_param(p, "en"))
        for p in sorted(resolved.values(), key=lambda p: p.name)
    ]


def criterion_rules(scheme: Scheme, on: date) -> list[tuple[str, str, str, str]]:
    """(label fr, label en, rule fr, rule en) per criterion, with the values in force."""
    resolved = scheme.parameters.resolve(on)
    fr = {n: format_param(p, "fr") for n, p in resolved.items()}
    en = {n: format_param(p, "en") for n, p in resolved.items()}
    return [
        (c.label_fr, c.label_en, c.message_fr.format_map(fr), c.message_en.format_map(en))
        for c in scheme.criteria
    ]
