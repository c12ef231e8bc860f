"""The demo's companies: valid SIREN (`sample_siren` of the seed, skipping any already in
the database) and head office SIRET, Occitanie départements weighted by their weight in
the region's economy, creation dates, size bands, a few sole traders."""

import random
from datetime import date, timedelta
from typing import Any

from plania.companies.enums import DataSource
from plania.companies.models import Company
from plania.companies.sirene import head_office_siret, sample_siren
from plania.demo.common import at

BATCH = 5000

# Occitanie départements, weighted (Haute-Garonne and Hérault host most AI companies).
DEPARTEMENTS = [
    ("31", 38),
    ("34", 24),
    ("30", 7),
    ("66", 5),
    ("81", 5),
    ("11", 4),
    ("12", 3),
    ("65", 3),
    ("82", 3),
    ("32", 2),
    ("46", 2),
    ("09", 2),
    ("48", 2),
]
SIZE_BANDS = [("00", 10), ("01", 20), ("02", 20), ("03", 15), ("11", 15), ("12", 10), ("21", 6)]
SIZE_BANDS += [("22", 3), ("31", 1)]
NAF = ["62.01Z", "62.02A", "72.19Z", "58.29C", "63.11Z", "71.12B", "26.51B"]
WORDS_A = ["Vision", "Neuro", "Pyrène", "Garonne", "Occi", "Canal", "Tarn", "Aude", "Causse"]
WORDS_B = ["IA", "Data", "Robotique", "Quantique", "Santé", "Agro", "Spatial", "Énergie"]
WORDS_C = ["Labs", "Systems", "Technologies", "Analytics", "Solutions", "Innovation", ""]


def weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _company_name(rng: random.Random, i: int) -> str:
    parts = [rng.choice(WORDS_A) + rng.choice(WORDS_B).lower(), rng.choice(WORDS_C)]
    return " ".join(p for p in parts if p) + f" {i:05d}"


def demo_companies(rng: random.Random, *, seed: int, n: int, created_by: Any) -> list[Company]:
    """`n` companies of `seed`, written."""
    companies = []
    first_index = seed * 1_000_003 % 50_000_000
    # SIRENs of the sample of `seed`, skipping any already in the database (demo_setup's).
    sirens: list[str] = []
    index = first_index
    while len(sirens) < n:
        wanted = [sample_siren(index + k, seed=seed) for k in range(n - len(sirens))]
        index += len(wanted)
        taken = set()
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            taken |= set(Company.objects.filter(siren__in=chunk).values_list("siren", flat=True))
        sirens += [s for s in wanted if s not in taken]
    for i, siren in enumerate(sirens):
        dep = weighted(rng, DEPARTEMENTS)
        sole = rng.random() < 0.03
        companies.append(
            Company(
                siren=siren,
                name=_company_name(rng, i),
                creation_date=date(2008, 1, 1) + timedelta(days=rng.randrange(18 * 365)),
                naf_code=rng.choice(NAF),
                size_band=weighted(rng, SIZE_BANDS),
                category="PME",
                legal_category="1000" if sole else rng.choice(["5710", "5710", "5499", "5720"]),
                head_office_siret=head_office_siret(siren, 1 + rng.randrange(3)),
                postcode=f"{dep}{rng.randrange(10)}{rng.choice(['00', '10', '20', '50'])}",
                departement=dep,
                verified=True,
                data_source=DataSource.SIRENE_STOCK,
                refreshed_at=at(date(2025, 1, 6), 3),
                created_by=created_by,
            )
        )
    return Company.objects.bulk_create(companies, batch_size=BATCH)
