"""The directory of research laboratories a dossier names as its partner.

Read from plania/data/labs/*.yaml (the shipped file is a sample the Region completes, see
its header) and cached per file modification time. A lab is identified by its `code`,
which dossiers store: codes are never reused.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.utils.translation import get_language

LABS_DIR = Path(__file__).resolve().parent.parent / "data" / "labs"


class LabDirectoryError(ValueError):
    pass


@dataclass(frozen=True)
class Lab:
    code: str
    name: str
    city: str
    parent: str
    sample: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.city} — {self.parent})"


@dataclass(frozen=True)
class LabDirectory:
    labs: tuple[Lab, ...]
    title_fr: str
    title_en: str
    sample: bool

    @property
    def title(self) -> str:
        lang = get_language() or "fr"
        return self.title_en if lang.startswith("en") else self.title_fr

    def get(self, code: str) -> Lab | None:
        return next((lab for lab in self.labs if lab.code == code), None)

    def codes(self) -> frozenset[str]:
        return frozenset(lab.code for lab in self.labs)


def _read(path: Path) -> tuple[list[Lab], dict[str, str], bool]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("labs"), list):
        raise LabDirectoryError(f"{path}: expected a mapping with a `labs` list")
    file_sample = bool(data.get("sample", False))
    labs = []
    for i, entry in enumerate(data["labs"]):
        if not isinstance(entry, dict):
            raise LabDirectoryError(f"{path}: labs[{i}]: expected a mapping")
        missing = [k for k in ("code", "name", "city", "parent") if not entry.get(k)]
        if missing:
            raise LabDirectoryError(f"{path}: labs[{i}]: missing {', '.join(missing)}")
        labs.append(
            Lab(
                code=str(entry["code"]),
                name=str(entry["name"]),
                city=str(entry["city"]),
                parent=str(entry["parent"]),
                sample=bool(entry.get("sample", file_sample)),
            )
        )
    title = data.get("title") or {}
    return labs, {"fr": str(title.get("fr", "")), "en": str(title.get("en", ""))}, file_sample


@lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple[tuple[str, int], ...]) -> LabDirectory:
    labs: list[Lab] = []
    titles = {"fr": "", "en": ""}
    sample = False
    for name, _mtime in stamp:
        file_labs, file_titles, file_sample = _read(Path(directory) / name)
        labs.extend(file_labs)
        titles = {k: titles[k] or file_titles[k] for k in titles}
        sample = sample or file_sample
    codes = [lab.code for lab in labs]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise LabDirectoryError(f"duplicate laboratory code(s): {', '.join(duplicates)}")
    return LabDirectory(
        labs=tuple(sorted(labs, key=lambda lab: (lab.city, lab.name))),
        title_fr=titles["fr"] or "Annuaire des laboratoires",
        title_en=titles["en"] or "Directory of laboratories",
        sample=sample,
    )


def lab_directory() -> LabDirectory:
    directory = Path(getattr(settings, "PLANIA_LABS_DIR", LABS_DIR))
    stamp = tuple(
        (p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")) if p.is_file()
    )
    return _load(str(directory), stamp)
