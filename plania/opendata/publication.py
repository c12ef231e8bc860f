"""What the public pages may show of an award (issue 13 item 6), shared by the
transparency page and the SCDL files.

- Which awards: only decisions taken. An award is public once its committee session has
  been held (state "held", session date passed) and its deliberation date has passed
  (plania.committee.selectors.held_award_filter). Before, an approval is a proposal to a
  session that has not met.
- Who: a legal person is shown by name and SIRET. A natural person is shown as
  `NATURAL_PERSON_LABEL` with no SIRET (its name is personal data, and the SIRET of a
  sole trader names them too):
  - a company whose catégorie juridique starts with "1" (entrepreneur individuel);
  - a company typed by hand whose catégorie juridique is unknown (nothing says it is a
    legal person: it is shown as a person until a SIRENE check fills it in);
  - a direct award whose SIREN the SIRENE store knows as an entrepreneur individuel.
  (A direct award's beneficiary is a body the officer names, with its SIRET: a research
  institute, a training body; it is shown by name unless the store says otherwise.)
"""

from datetime import date

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from plania.committee.selectors import held_award_filter
from plania.companies.models import SireneUnit

# nomBeneficiaire of a natural person (SCDL: the field is required; idBeneficiaire is left
# empty, which the schema allows).
NATURAL_PERSON_LABEL = "Personne physique"


def public_filter(today: date | None = None) -> Q:
    """The awards the public may see (Award filter)."""
    return held_award_filter(today or timezone.localdate())


def natural_person() -> Case:
    """An annotation on Award: True when the beneficiary is (or may be) a natural person."""
    sole_trader_in_store = SireneUnit.objects.filter(
        siren=Substr(OuterRef("beneficiary_siret"), 1, 9), legal_category__startswith="1"
    )
    return Case(
        When(company__isnull=True, then=Exists(sole_trader_in_store)),
        When(company__legal_category="", then=Value(True)),
        When(company__legal_category__startswith="1", then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def identity(natural: bool, name: str, siret: str) -> tuple[str, str]:
    """(name, SIRET) as published."""
    return (NATURAL_PERSON_LABEL, "") if natural else (name, siret)
