"""What PlanIA copies into a Company, whatever the source (local store or public API)."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CompanyRecord:
    siren: str
    name: str
    creation_date: date | None
    naf_code: str
    size_band: str
    category: str
    legal_category: str
    head_office_siret: str
    postcode: str
    departement: str
    active: bool
    data_source: str  # a DataSource value
