"""Factories of the companies room: the SIRENE store and PlanIA's companies.

SIRENs come from `plania.companies.sirene.sample_siren` (valid Luhn, distinct per index),
on a seed of their own so that they never meet the generated sample files' SIRENs.
"""

from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from plania.companies.enums import DataSource, MembershipRole, MembershipStatus, VerifiedVia
from plania.companies.models import Company, Membership, SireneEstablishment, SireneUnit
from plania.companies.sirene import head_office_siret, sample_siren
from tests.factories import UserFactory

FACTORY_SEED = 4242


class SireneUnitFactory(DjangoModelFactory):
    class Meta:
        model = SireneUnit

    siren = factory.Sequence(lambda n: sample_siren(n, seed=FACTORY_SEED))
    creation_date = date(2021, 3, 15)
    denomination = factory.Sequence(lambda n: f"NEURO OCCITANIE IA {n}")
    category = "PME"
    naf_code = "62.01Z"
    size_band = "11"
    state = "A"
    legal_category = "5710"
    head_office_nic = factory.LazyAttribute(lambda o: head_office_siret(o.siren)[9:])
    imported_at = factory.LazyFunction(timezone.now)

    class Params:
        ceased = factory.Trait(state="C")
        # An entrepreneur individuel: no denomination, a person's name.
        person = factory.Trait(
            denomination="", last_name="FABRE", first_name="Camille", legal_category="1000"
        )


class SireneEstablishmentFactory(DjangoModelFactory):
    """The head office of a new unit, in Toulouse, unless told otherwise."""

    class Meta:
        model = SireneEstablishment

    class Params:
        unit = factory.SubFactory(SireneUnitFactory)
        serial = 1

    siren = factory.LazyAttribute(lambda o: o.unit.siren)
    siret = factory.LazyAttribute(lambda o: head_office_siret(o.siren, o.serial))
    postcode = "31000"
    commune_code = "31555"
    is_head_office = True
    state = "A"
    imported_at = factory.LazyFunction(timezone.now)


def sirene_company(**unit_fields: object) -> SireneUnit:
    """A unit of the store with its head office establishment (Toulouse)."""
    unit = SireneUnitFactory(**unit_fields)
    SireneEstablishmentFactory(unit=unit)
    return unit


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    siren = factory.Sequence(lambda n: sample_siren(n, seed=FACTORY_SEED + 1))
    name = factory.Sequence(lambda n: f"Garonne Analytics {n}")
    creation_date = date(2021, 3, 15)
    naf_code = "62.01Z"
    size_band = "11"
    category = "PME"
    legal_category = "5710"
    head_office_siret = factory.LazyAttribute(lambda o: head_office_siret(o.siren))
    postcode = "31000"
    departement = "31"
    active = True
    verified = True
    data_source = DataSource.SIRENE_STOCK
    refreshed_at = factory.LazyFunction(timezone.now)

    class Params:
        manual = factory.Trait(
            verified=False, data_source=DataSource.MANUAL, legal_category="", head_office_siret=""
        )
        ceased = factory.Trait(active=False)


class MembershipFactory(DjangoModelFactory):
    """A verified representative (as by a mandate an officer accepted), unless `pending`:
    identifying a company no longer makes anyone its representative."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = MembershipRole.OWNER
    status = MembershipStatus.ACTIVE
    verified_via = VerifiedVia.MANDATE
    approved_at = factory.LazyFunction(timezone.now)

    class Params:
        member = factory.Trait(role=MembershipRole.MEMBER, verified_via=VerifiedVia.INVITATION)
        pending = factory.Trait(
            role=MembershipRole.MEMBER,
            status=MembershipStatus.PENDING,
            verified_via="",
            approved_at=None,
        )
