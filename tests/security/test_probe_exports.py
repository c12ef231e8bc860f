"""Probe (issue 13 item 3): no export carries a formula.

A company name and a project title that start like a formula (OWASP's CSV-injection
list: `=`, `+`, `-`, `@`, tab, carriage return) reach every export: the public SCDL CSV,
the steering tables (CSV and XLSX, read back with openpyxl), the payment orders CSV.
Each cell comes out neutralised: a quote before it in CSV; in XLSX a string cell (never
a formula) with the quote-prefix style. Amounts stay numbers. One writer
(plania/core/tabular.py) writes them all: nothing else in plania/ calls csv.writer,
csv.DictWriter or openpyxl's Workbook.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from plania.awards.models import Award
from plania.companies.models import Company
from plania.companies.sirene import head_office_siret, sample_siren
from plania.core import tabular
from tests.awards.dossiers import Clock, people
from tests.awards.flows import pay, signed
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture
from tests.opendata.world import HELD, close
from tests.security.otp import otp_force_login

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1:A2)", "\t=1", "\r=1"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
IDS = ["equals", "plus", "minus", "at", "tab", "cr"]
PLANIA = Path(__file__).resolve().parents[2] / "plania"


@pytest.fixture
def clock(monkeypatch):
    from tests.applications.factories import DURING

    clock = Clock(DURING)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def staff(db, clock, settings, private_storage_dir):  # noqa: F811
    settings.PLANIA_REGION_SIRET = head_office_siret(sample_siren(76, seed=76))
    settings.PLANIA_REGION_NAME = "Région Occitanie"
    return people()


def neutralised(payload: str) -> str:
    return "'" + payload


def poisoned_award(staff, payload: str):
    """A held, signed award whose company name and project title are `payload`."""
    user, award = signed(staff, prefix="CP/2025-03", held_on=HELD)
    close(staff, award)
    Company.objects.filter(pk=award.company_id).update(name=payload)
    Award.objects.filter(pk=award.pk).update(beneficiary_name=payload, purpose=payload)
    award.refresh_from_db()
    return user, award


# -- The writer itself ----------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_the_writer_quotes_formula_text_and_keeps_numbers(payload):
    text = tabular.csv_text(["a", "b", "c"], [[payload, Decimal("-12.50"), -3]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == [neutralised(payload), "-12.50", "-3"]
    book = load_workbook(
        io.BytesIO(tabular.xlsx_bytes(["a", "b"], [[payload, Decimal("-12.50")]], title="t"))
    )
    text_cell, amount = book.active["A2"], book.active["B2"]
    assert text_cell.data_type == "s"
    assert text_cell.value in (payload, payload.replace("\r", "\n"))  # XML reads CR as LF
    assert text_cell.quotePrefix
    assert amount.data_type == "n" and amount.value == -12.5


def test_no_other_module_writes_csv_or_xlsx():
    """The single writer is the only path: no csv.writer, DictWriter or openpyxl's
    Workbook outside plania/core/tabular.py."""
    pattern = re.compile(r"csv\.writer|DictWriter|openpyxl|xlsxwriter|\bWorkbook\(")
    offenders = [
        f"{path.relative_to(PLANIA)}:{n}"
        for path in PLANIA.rglob("*.py")
        if path != PLANIA / "core" / "tabular.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


# -- Each export ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_public_scdl_csv_neutralises_name_and_title(staff, client, payload):
    _user, award = poisoned_award(staff, payload)
    response = client.get("/opendata/subventions.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8"))))
    (row,) = [r for r in rows if r["referenceDecision"] == award.deliberation_reference]
    assert row["nomBeneficiaire"] == neutralised(payload)
    assert row["objet"] == neutralised(payload)
    assert row["montant"] == f"{award.total:.2f}"  # numbers untouched


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_payment_orders_csv_neutralises_the_beneficiary(staff, client, clock, payload):
    user, award = poisoned_award(staff, payload)
    line = award.schedule.order_by("position").first()
    clock.advance(days=10)
    payment = pay(staff, award, user, line.amount, date(2025, 3, 24), line=line)
    otp_force_login(client, staff.finance)
    response = client.get("/aides/versements/mandats.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8")), delimiter=";"))
    (row,) = [r for r in rows if r["numero_mandat"] == str(payment.number)]
    assert row["beneficiaire"] == neutralised(payload)
    assert Decimal(row["montant"]) == payment.amount


@pytest.fixture
def steering(db, client):
    from tests.steering.data import award, load_plans, steering_user

    load_plans()
    a = award(envelope="ia-axe-1-rd", scheme="ia-rd-projets", on=date(2025, 3, 1))
    otp_force_login(client, steering_user())
    return a


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_steering_awards_csv_and_xlsx_carry_no_formula(steering, client, payload):
    Award.objects.filter(pk=steering.pk).update(beneficiary_name=payload)
    response = client.get("/pilotage/export/aides.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    (row,) = [r for r in rows if r[0] == steering.reference]
    assert row[1] == neutralised(payload)

    response = client.get("/pilotage/export/aides.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for r in sheet.iter_rows() for c in r if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula cell
    (name,) = [r[1] for r in sheet.iter_rows(min_row=2) if r[0].value == steering.reference]
    # (an XML reader reads a carriage return as a line feed)
    assert name.data_type == "s" and name.quotePrefix
    assert name.value in (payload, payload.replace("\r", "\n"))
    amounts = [r[6] for r in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in amounts)  # "Montant" stays a number


@pytest.mark.django_db
def test_every_steering_table_xlsx_has_no_formula_cell(steering, client):
    from plania.plans.models import Envelope

    payload = PAYLOADS[0]
    Envelope.objects.filter(code="ia-axe-1-rd").update(name_fr=payload, name_en=payload)
    Award.objects.filter(pk=steering.pk).update(beneficiary_name=payload)
    for name in ("objectifs", "objectifs-par-annee", "mesures", "enveloppes", "exercices"):
        for fmt in ("xlsx",):
            response = client.get(f"/pilotage/export/{name}.{fmt}")
            assert response.status_code == 200
            sheet = load_workbook(io.BytesIO(response.content)).active
            formulas = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
            assert formulas == [], name
        text = client.get(f"/pilotage/export/{name}.csv").content.decode("utf-8-sig")
        cells = [c for r in csv.reader(io.StringIO(text), delimiter=";") for c in r]
        assert neutralised(payload) in cells or name != "enveloppes"
        # Text that reads as a formula: none (negative numbers are numbers).
        assert [c for c in cells if tabular.is_formula_like(c) and not NUMBER.match(c)] == []
