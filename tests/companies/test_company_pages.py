"""The company pages: identify, manual entry, my companies, one company; errors beside
the field, what was typed kept, and no page of another company."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from plania.companies.models import Company, Membership
from plania.companies.sirene import head_office_siret, sample_siren
from tests.companies.factories import CompanyFactory, MembershipFactory, sirene_company
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IDENTIFY = reverse("web:company_identify")
MANUAL = reverse("web:company_manual")
MINE = reverse("web:my_companies")


@pytest.fixture
def user(client):  # type: ignore[no-untyped-def]
    user = UserFactory(email_verified_at=timezone.now())
    client.force_login(user)
    return user


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


def _error_of(html: str, field_id: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error"><li>(.*?)</li>', html, re.S)
    assert match, f"no error shown for {field_id}"
    return match.group(1)


def test_anonymous_visitors_are_sent_to_login(client, db):
    for url in (IDENTIFY, MANUAL, MINE):
        response = client.get(url)
        assert response.status_code == 302
        assert "next=" in response["Location"]


def test_an_unverified_address_cannot_claim_a_company(client, db):
    client.force_login(UserFactory(email_verified_at=None))
    unit = sirene_company()
    assert client.post(IDENTIFY, {"identifier": unit.siren}).status_code == 403
    assert not Company.objects.exists()


def test_identify_page_has_a_labelled_field(client, user):
    html = client.get(IDENTIFY).content.decode()
    assert '<label for="id_identifier">Numéro SIREN ou SIRET' in html
    assert 'aria-describedby="id_identifier_helptext"' in _input(html, "identifier")


def test_invalid_siret_is_shown_beside_the_field_and_kept(client, user):
    siret = head_office_siret(sample_siren(1, seed=5))
    typed = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    typed = f"{typed[:3]} {typed[3:6]} {typed[6:9]} {typed[9:]}"
    response = client.post(IDENTIFY, {"identifier": typed})
    html = response.content.decode()
    assert response.status_code == 200
    field = _input(html, "identifier")
    assert f'value="{typed}"' in field
    assert 'aria-invalid="true"' in field
    assert "id_identifier_error" in field
    assert "n&#x27;est pas valide (clé de contrôle)" in _error_of(html, "id_identifier")
    assert "Saisir l&#x27;entreprise à la main" not in html


def test_unknown_siren_offers_the_manual_form_prefilled(client, user):
    siren = sample_siren(2, seed=5)
    html = client.post(IDENTIFY, {"identifier": siren}).content.decode()
    assert f"Aucune entreprise avec le SIREN {siren}" in _error_of(html, "id_identifier")
    assert f'href="{MANUAL}?siren={siren}"' in html
    form = client.get(f"{MANUAL}?siren={siren}").content.decode()
    assert f'value="{siren}"' in _input(form, "siren")


def test_ceased_company_is_refused_beside_the_field(client, user):
    unit = sirene_company(ceased=True)
    html = client.post(IDENTIFY, {"identifier": unit.siren}).content.decode()
    assert "est cessée selon le répertoire Sirene" in _error_of(html, "id_identifier")
    assert not Company.objects.exists()


def test_found_company_is_shown_with_its_facts(client, user):
    unit = sirene_company(denomination="NEURO GARONNE", size_band="12")
    response = client.post(IDENTIFY, {"identifier": unit.siren})
    assert response.status_code == 302
    # Identifying makes a pending request, never an owner (issue 13): the list says so.
    assert response["Location"] == MINE
    listed = client.get(MINE).content.decode()
    assert "NEURO GARONNE" in listed
    assert "demande de rattachement en attente" in listed
    assert "propriétaire" not in listed
    assert Membership.objects.get(user=user).status == "pending"
    assert client.get(reverse("web:company", args=[unit.siren])).status_code == 404
    # Once verified (here as by an accepted mandate), the company's page shows its facts.
    Membership.objects.filter(user=user).update(
        status="active", role="owner", verified_via="mandate"
    )
    html = client.get(reverse("web:company", args=[unit.siren])).content.decode()
    assert "NEURO GARONNE" in html
    assert "15 mars 2021" in html
    assert "62.01Z" in html
    assert "20 à 49 salariés" in html
    assert "31 — Haute-Garonne (Occitanie)" in html
    assert "non vérifiée" not in html


def test_a_second_person_waits_for_the_owner(client, user):
    owner = MembershipFactory(
        company__siren=sirene_company().siren, user__email_verified_at=timezone.now()
    ).user
    company = Company.objects.get()
    response = client.post(IDENTIFY, {"identifier": company.siren})
    assert response["Location"] == MINE
    html = client.get(MINE).content.decode()
    assert "Demande de rattachement en attente" in html
    assert "Déposer un pouvoir" in html
    # Pending: no access yet.
    assert client.get(reverse("web:company", args=[company.siren])).status_code == 404
    # The owner sees the request and accepts it.
    client.force_login(owner)
    page = client.get(reverse("web:company", args=[company.siren])).content.decode()
    membership = Membership.objects.get(user=user)
    approve = reverse("web:company_member_approve", args=[company.siren, membership.pk])
    assert f'action="{approve}"' in page
    assert client.post(approve).status_code == 302
    client.force_login(user)
    assert client.get(reverse("web:company", args=[company.siren])).status_code == 200


def test_only_an_owner_can_accept(client, user):
    company = MembershipFactory(user=user, member=True).company
    pending = MembershipFactory(company=company, pending=True)
    approve = reverse("web:company_member_approve", args=[company.siren, pending.pk])
    response = client.post(approve, follow=True)
    assert "Seul un propriétaire" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert client.get(approve).status_code == 405


def test_manual_entry_shows_every_error_and_keeps_what_was_typed(client, user):
    typed = {
        "siren": "123 456 789",
        "name": "Toute Neuve",
        "creation_date": "2099-01-01",
        "postcode": "3100",
        "naf_code": "62.01",
        "size_band": "01",
        "category": "",
    }
    response = client.post(MANUAL, typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert "n&#x27;est pas valide (clé de contrôle)" in _error_of(html, "id_siren")
    assert "dans le futur" in _error_of(html, "id_creation_date")
    assert "5 chiffres" in _error_of(html, "id_postcode")
    assert "62.01Z" in _error_of(html, "id_naf_code")
    assert "4 champs sont à corriger" in html
    assert 'value="123 456 789"' in _input(html, "siren")
    assert 'value="Toute Neuve"' in _input(html, "name")
    assert 'value="2099-01-01"' in _input(html, "creation_date")
    assert '<option value="01" selected>' in html
    assert not Company.objects.exists()


def test_manual_entry_with_an_unreadable_date_still_checks_the_other_fields(client, user):
    html = client.post(
        MANUAL,
        {"siren": "12", "name": "X", "creation_date": "demain", "postcode": "31000"},
    ).content.decode()
    assert "Saisissez une date valide" in _error_of(html, "id_creation_date")
    assert "9 chiffres" in _error_of(html, "id_siren")
    assert 'value="demain"' in _input(html, "creation_date")


def test_manual_entry_creates_an_unverified_company(client, user):
    siren = sample_siren(3, seed=5)
    response = client.post(
        MANUAL,
        {"siren": siren, "name": "Toute Neuve", "creation_date": "2025-01-06", "postcode": "66000"},
    )
    assert response.status_code == 302
    assert response["Location"] == MINE  # a pending request: the company's page waits
    assert "non vérifiée" in client.get(MINE).content.decode()
    Membership.objects.filter(user=user).update(
        status="active", role="owner", verified_via="mandate"
    )
    html = client.get(reverse("web:company", args=[siren])).content.decode()
    assert 'data-testid="unverified"' in html
    assert "non vérifiée" in html
    assert "66 — Pyrénées-Orientales (Occitanie)" in html
    company = Company.objects.get(siren=siren)
    assert (company.verified, company.created_by) == (False, user)


def test_my_companies_lists_only_mine_in_constant_queries(client, user, django_assert_num_queries):
    mine = [MembershipFactory(user=user).company, MembershipFactory(user=user, member=True).company]
    manual = MembershipFactory(user=user, company__manual=True).company
    other = MembershipFactory().company
    # session, user, memberships with their companies, invitations, mandates
    with django_assert_num_queries(5):
        html = client.get(MINE).content.decode()
    for company in [*mine, manual]:
        assert company.name in html
    assert other.name not in html
    assert "non vérifiée" in html
    for _ in range(5):
        MembershipFactory(user=user)
    with django_assert_num_queries(5):
        client.get(MINE)


def test_a_member_of_a_gets_404_on_company_b(client, user):
    a = MembershipFactory(user=user).company
    b = MembershipFactory().company
    assert client.get(reverse("web:company", args=[a.siren])).status_code == 200
    assert client.get(reverse("web:company", args=[b.siren])).status_code == 404
    b_pending = MembershipFactory(company=b, pending=True)
    approve = reverse("web:company_member_approve", args=[b.siren, b_pending.pk])
    assert client.post(approve).status_code == 404
    # A company nobody belongs to, and a SIREN PlanIA does not know: the same 404.
    assert client.get(reverse("web:company", args=[CompanyFactory().siren])).status_code == 404
    assert client.get(reverse("web:company", args=["000000000"])).status_code == 404
