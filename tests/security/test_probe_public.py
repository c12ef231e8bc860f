"""Probe (issue 13 item 6): the public pages show only decisions of a held session, and
natural persons without name nor SIRET.

- An award approved in a session still "planned" is absent from /transparence/ and from
  the SCDL file; it appears once the session is closed ("held").
- An award of a held session whose deliberation date is still ahead is absent until then.
- A sole trader (catégorie juridique 1xxx), a company typed by hand (catégorie unknown)
  and a direct award to a SIREN the SIRENE store knows as an entrepreneur individuel are
  published as "Personne physique" with an empty idBeneficiaire; the file still
  validates against the SCDL schema.
"""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from frictionless import Resource, Schema, validate

from plania.companies.models import Company, SireneUnit
from plania.companies.sirene import head_office_siret, sample_siren
from plania.opendata import scdl
from plania.opendata.publication import NATURAL_PERSON_LABEL
from tests.awards.dossiers import Clock, people
from tests.awards.flows import signed
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture
from tests.opendata.world import HELD, close, direct, session

REGION_SIRET = head_office_siret(sample_siren(76, seed=76))
PERSON_SIRET = head_office_siret(sample_siren(5, seed=1313))


@pytest.fixture
def clock(monkeypatch):
    from tests.applications.factories import DURING

    clock = Clock(DURING)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def staff(db, clock, settings, private_storage_dir):  # noqa: F811
    settings.PLANIA_REGION_SIRET = REGION_SIRET
    settings.PLANIA_REGION_NAME = "Région Occitanie"
    return people()


def scdl_rows(client) -> list[dict[str, str]]:
    response = client.get("/opendata/subventions.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def references(client) -> set[str]:
    return {r["referenceDecision"] for r in scdl_rows(client)}


def transparency(client) -> str:
    response = client.get("/transparence/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_an_award_of_a_planned_session_is_not_public_until_the_session_is_held(staff, client):
    _user, award = signed(staff, prefix="CP/2025-03", held_on=HELD)
    assert award.item.session.state == "planned"
    assert award.reference not in transparency(client)
    assert award.deliberation_reference not in references(client)
    assert award.deliberation_reference not in json.dumps(
        json.loads(b"".join(client.get("/opendata/subventions.json").streaming_content))
    )
    close(staff, award)
    assert award.reference in transparency(client)
    assert award.deliberation_reference in references(client)


@pytest.mark.django_db
def test_a_deliberation_dated_ahead_is_not_public_before_its_day(staff, client, clock):
    ahead = HELD + timedelta(days=20)
    _user, award = signed(staff, prefix="CP/2025-04", held_on=ahead)
    close(staff, award)  # closed early (by mistake or ahead of the meeting)
    assert award.reference not in transparency(client)
    assert award.deliberation_reference not in references(client)
    clock.advance(days=21)
    assert award.reference in transparency(client)
    assert award.deliberation_reference in references(client)


def _validates(client, tmp_path) -> None:
    text = b"".join(client.get("/opendata/subventions.csv").streaming_content).decode()
    (tmp_path / "s.csv").write_text(text, encoding="utf-8")
    schema = Schema.from_descriptor(json.loads(scdl.SCHEMA_PATH.read_text(encoding="utf-8")))
    report = validate(Resource(path="s.csv", basepath=str(tmp_path), schema=schema))
    assert report.valid, [e.message for task in report.tasks for e in task.errors]


@pytest.mark.django_db
@pytest.mark.parametrize("category", ["1000", ""], ids=["sole-trader", "typed-by-hand"])
def test_a_natural_person_is_published_without_name_nor_siret(staff, client, tmp_path, category):
    _user, award = signed(staff, prefix="CP/2025-03", held_on=HELD)
    close(staff, award)
    company = award.company
    fields = {"legal_category": category}
    if not category:  # a manual entry: unverified, no catégorie juridique
        fields.update(data_source="manual", verified=False)
    Company.objects.filter(pk=company.pk).update(**fields)
    rows = [r for r in scdl_rows(client) if r["referenceDecision"] == award.deliberation_reference]
    assert len(rows) == 1
    assert rows[0]["nomBeneficiaire"] == NATURAL_PERSON_LABEL
    assert rows[0]["idBeneficiaire"] == ""
    _validates(client, tmp_path)
    html = transparency(client)
    assert award.reference in html and NATURAL_PERSON_LABEL in html
    text = client.get("/opendata/subventions.csv").getvalue().decode()
    for secret in (company.name, company.head_office_siret, award.beneficiary_siret):
        assert secret and secret not in html and secret not in text


@pytest.mark.django_db
def test_a_direct_award_to_a_sole_trader_of_the_store_is_not_named(staff, client):
    SireneUnit.objects.create(
        siren=PERSON_SIRET[:9],
        last_name="Martin",
        first_name="Camille",
        state="A",
        legal_category="1000",
        head_office_nic=PERSON_SIRET[9:],
        imported_at=timezone.now(),
    )
    cp = session(staff, "CP/2025-03-P")
    _user, big = signed(staff, prefix="CP/2025-03", held_on=HELD)
    # Two awards each, 15,000 + 12,000 in 12 months: published by cumulation.
    org_siret = head_office_siret(sample_siren(6, seed=1313))
    for amount in ("15000", "12000"):
        person = direct(staff, cp, big.envelope, "Camille Martin", PERSON_SIRET, amount)
        org = direct(staff, cp, big.envelope, "Institut IA", org_siret, amount)
    close(staff, person, big)
    rows = {r["referenceDecision"]: r for r in scdl_rows(client)}
    assert rows[person.deliberation_reference]["nomBeneficiaire"] == NATURAL_PERSON_LABEL
    assert rows[person.deliberation_reference]["idBeneficiaire"] == ""
    assert rows[org.deliberation_reference]["nomBeneficiaire"] == "Institut IA"
    html = transparency(client)
    assert "Camille Martin" not in html and PERSON_SIRET not in html
    assert "Institut IA" in html
