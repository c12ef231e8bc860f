"""Identification by SIREN/SIRET, manual entry, membership: each refusal with its message."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from plania.companies.enums import DataSource, MembershipRole, MembershipStatus, VerifiedVia
from plania.companies.models import Company, Membership
from plania.companies.services import (
    CompanyError,
    company_create_unverified,
    company_identify,
    membership_approve,
    representative_verify,
)
from plania.companies.sirene import head_office_siret, sample_siren
from tests.companies.conftest import Answer, api_result
from tests.companies.factories import (
    CompanyFactory,
    MembershipFactory,
    SireneEstablishmentFactory,
    sirene_company,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _spaced(number: str) -> str:
    return " ".join(number[i : i + 3] for i in range(0, len(number), 3))


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_found_in_the_store_creates_the_company_and_files_a_pending_request():
    unit = sirene_company(denomination="NEURO GARONNE", size_band="12", naf_code="72.19Z")
    user = UserFactory()
    result = company_identify(identifier=_spaced(unit.siren), actor=user)
    company = result.company
    assert result.company_created and result.membership_created
    assert (company.siren, company.name, company.creation_date) == (
        unit.siren,
        "NEURO GARONNE",
        date(2021, 3, 15),
    )
    assert (company.naf_code, company.size_band, company.category, company.legal_category) == (
        "72.19Z",
        "12",
        "PME",
        "5710",
    )
    assert company.size_band_label == "20 à 49 salariés"
    assert (company.head_office_siret, company.postcode, company.departement) == (
        head_office_siret(unit.siren),
        "31000",
        "31",
    )
    assert company.active and company.verified
    assert company.data_source == DataSource.SIRENE_STOCK
    membership = Membership.objects.get(user=user, company=company)
    # Nobody becomes a representative by being first (issue 13).
    assert (membership.role, membership.status) == (
        MembershipRole.MEMBER,
        MembershipStatus.PENDING,
    )
    assert membership.verified_via == ""


def test_a_siret_identifies_its_company():
    unit = sirene_company()
    result = company_identify(identifier=head_office_siret(unit.siren, 7), actor=UserFactory())
    assert result.company.siren == unit.siren
    # The address is the head office's, whichever establishment's SIRET was typed.
    assert result.company.head_office_siret == head_office_siret(unit.siren)


def test_identifying_again_refreshes_and_keeps_one_membership():
    unit = sirene_company(denomination="ANCIEN NOM")
    user = UserFactory()
    company_identify(identifier=unit.siren, actor=user)
    unit.denomination = "NOUVEAU NOM"
    unit.save()
    result = company_identify(identifier=unit.siren, actor=user)
    assert not result.company_created and not result.membership_created
    assert Company.objects.get(siren=unit.siren).name == "NOUVEAU NOM"
    assert Membership.objects.filter(user=user).count() == 1


def test_a_second_person_only_asks_to_join_and_an_owner_accepts():
    unit = sirene_company()
    owner, newcomer, stranger = UserFactory(), UserFactory(), UserFactory()
    company_identify(identifier=unit.siren, actor=owner)
    # The first person is pending too: they cannot accept anyone.
    first = Membership.objects.get(user=owner)
    result = company_identify(identifier=unit.siren, actor=newcomer)
    with pytest.raises(CompanyError):
        membership_approve(membership=result.membership, actor=owner)
    representative_verify(company=first.company, user=owner, via=VerifiedVia.MANDATE, actor=None)
    assert (result.membership.role, result.membership.status) == ("member", "pending")
    with pytest.raises(CompanyError) as exc:
        membership_approve(membership=result.membership, actor=stranger)
    assert exc.value.code == "forbidden"
    assert "Seul un propriétaire" in exc.value.message
    approved = membership_approve(membership=result.membership, actor=owner)
    assert approved.status == "active"
    assert approved.approved_by == owner
    assert (approved.role, approved.verified_via) == ("member", VerifiedVia.INVITATION)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("", "Saisissez un numéro SIREN (9 chiffres) ou SIRET (14 chiffres)."),
        ("ABC123", "« ABC123 » n'est pas un numéro SIREN ou SIRET"),
        ("1234 5678", "Le numéro saisi a 8 chiffres : un SIREN en a 9, un SIRET 14"),
    ],
)
def test_malformed_identifiers(typed, expected):
    with pytest.raises(CompanyError) as exc:
        company_identify(identifier=typed, actor=UserFactory())
    assert expected in exc.value.message
    assert (exc.value.code, exc.value.field) == ("invalid", "identifier")


def test_invalid_siret_checksum_says_how_to_fix_it():
    siret = _wrong_check_digit(head_office_siret(sample_siren(5, seed=11)))
    with pytest.raises(CompanyError) as exc:
        company_identify(identifier=_spaced(siret), actor=UserFactory())
    message = exc.value.message
    assert f"Le numéro SIRET {siret} n'est pas valide (clé de contrôle)" in message
    assert "Recopiez-le depuis un extrait Kbis" in message
    assert "saisissez seulement le SIREN" in message
    assert exc.value.code == "invalid"


def test_invalid_siren_checksum():
    siren = _wrong_check_digit(sample_siren(5, seed=11))
    with pytest.raises(CompanyError) as exc:
        company_identify(identifier=siren, actor=UserFactory())
    assert f"Le numéro SIREN {siren} n'est pas valide (clé de contrôle)" in exc.value.message


def test_unknown_siren_offers_manual_entry():
    siren = sample_siren(6, seed=11)
    with pytest.raises(CompanyError) as exc:
        company_identify(identifier=siren, actor=UserFactory())
    assert exc.value.code == "not_found"
    assert f"Aucune entreprise avec le SIREN {siren} dans le répertoire Sirene" in exc.value.message
    assert "saisissez ses informations à la main" in exc.value.message
    assert "non vérifiée" in exc.value.message
    assert not Company.objects.exists()


def test_ceased_company_is_refused_and_an_existing_row_marked_inactive():
    unit = sirene_company(ceased=True, denomination="VIEILLE IA")
    CompanyFactory(siren=unit.siren, name="VIEILLE IA")
    user = UserFactory()
    with pytest.raises(CompanyError) as exc:
        company_identify(identifier=unit.siren, actor=user)
    assert exc.value.code == "ceased"
    assert f"L'entreprise VIEILLE IA (SIREN {unit.siren}) est cessée" in exc.value.message
    assert "ne peut pas demander d'aide" in exc.value.message
    assert Company.objects.get(siren=unit.siren).active is False
    assert not Membership.objects.filter(user=user).exists()


def test_without_establishments_the_company_has_no_address():
    from tests.companies.factories import SireneUnitFactory

    unit = SireneUnitFactory()
    company = company_identify(identifier=unit.siren, actor=UserFactory()).company
    assert (company.postcode, company.departement) == ("", "")
    assert company.head_office_siret == head_office_siret(unit.siren)


def test_head_office_found_by_its_nic_when_not_flagged():
    from tests.companies.factories import SireneUnitFactory

    unit = SireneUnitFactory()
    SireneEstablishmentFactory(
        unit=unit, is_head_office=False, postcode="20200", commune_code="2B033"
    )
    company = company_identify(identifier=unit.siren, actor=UserFactory()).company
    assert (company.postcode, company.departement) == ("20200", "2B")


class TestWithTheApi:
    @pytest.fixture(autouse=True)
    def _api(self, settings, fake_api):  # type: ignore[no-untyped-def]
        settings.PLANIA_RECHERCHE_ENTREPRISES_ENABLED = True
        settings.PLANIA_RECHERCHE_ENTREPRISES_URL = fake_api.url
        settings.PLANIA_RECHERCHE_ENTREPRISES_TIMEOUT = 0.3
        self.api = fake_api

    def test_store_miss_is_filled_from_the_api(self):
        siren = sample_siren(7, seed=11)
        self.api.answer(Answer(200, {"results": [api_result(siren)]}))
        company = company_identify(identifier=siren, actor=UserFactory()).company
        assert (company.name, company.departement, company.data_source) == (
            "QUANTUM PYRENE IA",
            "65",
            DataSource.API,
        )
        assert company.verified

    def test_the_store_is_asked_first(self):
        unit = sirene_company()
        company_identify(identifier=unit.siren, actor=UserFactory())
        assert self.api.requests == []

    def test_unknown_to_both(self):
        siren = sample_siren(8, seed=11)
        self.api.answer(Answer(200, {"results": []}))
        with pytest.raises(CompanyError) as exc:
            company_identify(identifier=siren, actor=UserFactory())
        assert exc.value.code == "not_found"
        assert "ni dans l'annuaire des entreprises" in exc.value.message

    def test_api_down_says_so(self):
        siren = sample_siren(9, seed=11)
        self.api.answer(Answer(503, {"erreur": "maintenance"}))
        with pytest.raises(CompanyError) as exc:
            company_identify(identifier=siren, actor=UserFactory())
        assert exc.value.code == "unavailable"
        assert "ne répond pas pour le moment" in exc.value.message

    def test_ceased_in_the_api(self):
        siren = sample_siren(10, seed=11)
        self.api.answer(Answer(200, {"results": [api_result(siren, etat_administratif="C")]}))
        with pytest.raises(CompanyError) as exc:
            company_identify(identifier=siren, actor=UserFactory())
        assert exc.value.code == "ceased"


MANUAL = {
    "name": "Start-up Toute Neuve",
    "creation_date": date(2025, 1, 6),
    "postcode": "34 000",
    "naf_code": "62.01z",
    "size_band": "01",
}


def test_manual_entry_is_unverified():
    user = UserFactory()
    siren = sample_siren(12, seed=11)
    result = company_create_unverified(actor=user, siren=_spaced(siren), **MANUAL)
    company = result.company
    assert (company.siren, company.name, company.postcode, company.departement) == (
        siren,
        "Start-up Toute Neuve",
        "34000",
        "34",
    )
    assert company.naf_code == "62.01Z"
    assert company.verified is False
    assert company.data_source == DataSource.MANUAL
    assert company.created_by == user
    assert (result.membership.role, result.membership.status) == (
        MembershipRole.MEMBER,
        MembershipStatus.PENDING,
    )


def test_manual_entry_lists_every_problem_at_once():
    with pytest.raises(CompanyError) as exc:
        company_create_unverified(
            actor=UserFactory(),
            siren=_wrong_check_digit(sample_siren(13, seed=11)),
            name=" ",
            creation_date=timezone.localdate() + timedelta(days=1),
            postcode="3100",
            naf_code="6201",
            size_band="77",
        )
    errors = exc.value.errors
    assert set(errors) == {"siren", "name", "creation_date", "postcode", "naf_code", "size_band"}
    assert "n'est pas valide (clé de contrôle)" in errors["siren"][0]
    assert errors["creation_date"] == ["La date de création ne peut pas être dans le futur."]
    assert not Company.objects.exists()


def test_manual_entry_of_a_siren_the_store_knows_is_refused():
    unit = sirene_company()
    with pytest.raises(CompanyError) as exc:
        company_create_unverified(actor=UserFactory(), siren=unit.siren, **MANUAL)
    assert exc.value.field == "siren"
    assert "figure dans le répertoire Sirene : identifiez l'entreprise" in exc.value.message


def test_manual_entry_of_a_company_already_in_planIA_asks_to_join_it():
    existing = MembershipFactory(company__manual=True).company
    result = company_create_unverified(actor=UserFactory(), siren=existing.siren, **MANUAL)
    assert not result.company_created
    assert result.membership.status == MembershipStatus.PENDING
    assert Company.objects.get(siren=existing.siren).name == existing.name


def test_the_database_refuses_a_verified_manual_company():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        CompanyFactory(manual=True, verified=True)
