"""Reference data about companies: SIRENE size bands, départements, the Occitanie list.

The JSON files live in plania/data/companies/ with their sources (SOURCES.md there).
Nothing here imports Django, so the stock-file reader and the bench can use it.
"""

import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "companies"


@cache
def size_bands() -> dict[str, str]:
    """trancheEffectifsUniteLegale code -> French label (NN, 00, 01 ... 53)."""
    with open(DATA_DIR / "sirene-tranches-effectifs.json", encoding="utf-8") as f:
        return dict(json.load(f))


def size_band_label(code: str) -> str:
    return size_bands().get(code, "")


@cache
def occitanie() -> dict[str, str]:
    """Département code -> name, for INSEE region 76 (Occitanie)."""
    with open(DATA_DIR / "occitanie-departements.json", encoding="utf-8") as f:
        return dict(json.load(f)["departements"])


def is_occitanie(departement: str) -> bool:
    return departement in occitanie()


def departement_from(*, commune: str = "", postcode: str = "") -> str:
    """The département of an address, "" when it cannot be told.

    The INSEE commune code is exact and preferred: its first two characters are the
    département ("2A"/"2B" for Corsica), three for overseas ("971".."976", and the
    collectivités "975", "977", "978", "98x"). A postcode is the fallback: the same rule,
    except Corsica, whose postcodes all start with "20": 200xx-201xx are Corse-du-Sud (2A)
    and 202xx-206xx Haute-Corse (2B) (La Poste's allocation). A few CEDEX postcodes lie
    across a border; the commune code, when the establishment has one, settles those.
    """
    commune = commune.strip().upper()
    if len(commune) == 5:
        if commune[:2] in {"2A", "2B"}:
            return commune[:2]
        if commune[:2].isdigit() and commune[2:].isdigit():
            return commune[:3] if commune[:2] in {"97", "98"} else commune[:2]
    postcode = postcode.strip()
    if len(postcode) != 5 or not postcode.isdigit() or postcode.startswith("00"):
        return ""
    if postcode.startswith("20"):
        return "2A" if int(postcode) < 20200 else "2B"
    if postcode[:2] in {"97", "98"}:
        return postcode[:3]
    return postcode[:2]
