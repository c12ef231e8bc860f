"""Acceptance (issue 6): the SCDL CSV validates against the shared schema v2.1.1 with
frictionless, with zero errors, on data with an advance, an award below the threshold
(absent) and a beneficiary crossing it by cumulation (present)."""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from frictionless import Resource, Schema, validate

from plania.opendata import scdl
from tests.opendata.conftest import REGION_SIRET
from tests.opendata.world import CUMUL_SIRET, SMALL_SIRET, world

SHARED_SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "scdl-subventions-schema.json"
)


def shared_schema_path() -> Path:
    if SHARED_SCHEMA.exists():
        return SHARED_SCHEMA
    return scdl.SCHEMA_PATH  # a verbatim copy (same sha256, plania/data/opendata/SOURCES.md)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_scdl_csv_validates_against_the_shared_schema(staff, client, tmp_path):
    w = world(staff)
    assert w.with_advance.advance > 0 and w.with_advance.total > Decimal(23000)

    response = client.get("/opendata/subventions.csv")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    path = tmp_path / "subventions.csv"
    path.write_text(text, encoding="utf-8")

    schema = Schema.from_descriptor(json.loads(shared_schema_path().read_text(encoding="utf-8")))
    report = validate(Resource(path="subventions.csv", basepath=str(tmp_path), schema=schema))
    errors = [e.message for task in report.tasks for e in task.errors]
    assert report.valid, errors
    assert errors == []

    rows = rows_of(text)
    assert list(rows[0].keys()) == list(scdl.field_names())
    by_id = {r["idBeneficiaire"]: r for r in rows}
    assert SMALL_SIRET not in by_id  # EUR 10,000, alone: not published
    cumul = [r for r in rows if r["idBeneficiaire"] == CUMUL_SIRET]
    assert sorted(r["montant"] for r in cumul) == ["12000.00", "15000.00"]
    assert len(rows) == 3

    advance = next(
        r for r in rows if r["referenceDecision"] == w.with_advance.deliberation_reference
    )
    a = w.with_advance
    assert advance["idAttribuant"] == REGION_SIRET
    assert advance["montant"] == f"{a.total:.2f}"
    assert Decimal(advance["pourcentageSubvention"]) == (a.grant / a.total).quantize(
        Decimal("0.01")
    )
    assert Decimal(advance["pourcentageSubvention"]) < 1
    assert advance["conditionsVersement"] == "échelonné"  # 50 % on signature, balance later
    assert advance["dateConvention"] == a.agreement.signed_at.date().isoformat()
    assert advance["nature"] == "aide en numéraire"
    expected_ue = "oui" if a.legal_basis in ("de_minimis", "gber_art22", "gber_art28") else "non"
    assert advance["notificationUE"] == expected_ue
    assert advance["dispositifAide"] == scdl.scheme_title(a.scheme_code) != ""
    for r in cumul:
        assert r["notificationUE"] == "oui"  # de minimis basis
        assert r["pourcentageSubvention"] == "1.00"


@pytest.mark.django_db
def test_json_has_the_same_records_typed(staff, client):
    world(staff)
    csv_rows = rows_of(b"".join(client.get("/opendata/subventions.csv").streaming_content).decode())
    response = client.get("/opendata/subventions.json")
    assert response.status_code == 200
    body = json.loads(b"".join(response.streaming_content))
    assert body["version"] == "2.1.1"
    data = body["data"]
    assert [list(d.keys()) for d in data] == [list(scdl.field_names())] * len(csv_rows)
    for record, row in zip(data, csv_rows, strict=True):
        assert record["montant"] == float(row["montant"])
        assert record["notificationUE"] is (row["notificationUE"] == "oui")
        assert record["rnaBeneficiaire"] is None


@pytest.mark.django_db
def test_export_refuses_without_the_region_siret(staff, client, settings, tmp_path):
    world(staff)
    settings.PLANIA_REGION_SIRET = ""
    response = client.get("/opendata/subventions.csv")
    assert response.status_code == 503
    assert "PLANIA_REGION_SIRET" in response.content.decode()
    with pytest.raises(CommandError, match="PLANIA_REGION_SIRET"):
        call_command("export_scdl", output=str(tmp_path / "x.csv"))
    settings.PLANIA_REGION_SIRET = "12345678901234"  # fails the Luhn check
    assert client.get("/opendata/subventions.json").status_code == 503


@pytest.mark.django_db
def test_command_writes_csv_and_json(staff, tmp_path):
    world(staff)
    out = tmp_path / "s.csv"
    call_command("export_scdl", output=str(out), format="csv")
    assert len(rows_of(out.read_text(encoding="utf-8"))) == 3
    out = tmp_path / "s.json"
    call_command("export_scdl", output=str(out), format="json")
    assert len(json.loads(out.read_text(encoding="utf-8"))["data"]) == 3


def test_cumulation_window_is_twelve_months(db):
    # Pure helper check: the window is 12 calendar months from an award's decision.
    from datetime import date

    assert scdl._add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert scdl._add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)
    assert scdl.grant_share(Decimal("30000"), Decimal("100000")) == "0.30"
    assert scdl.grant_share(Decimal("1"), Decimal("100000")) == "0.01"


@pytest.mark.django_db
def test_cumulation_groups_awards_by_siren_with_or_without_a_company():
    """Which small awards the 12-month cumulation publishes, per beneficiary SIREN: a
    company's awards, a direct award whose SIRET belongs to a company PlanIA knows (same
    SIREN, another establishment), and direct awards among themselves."""
    from datetime import date

    from plania.awards.models import Award
    from plania.companies.sirene import head_office_siret, sample_siren
    from tests.companies.factories import CompanyFactory
    from tests.steering.data import award, load_plans

    load_plans()

    def given(on, amount, *, company=None, siret=None):
        a = award(envelope="ia-axe-1-rd", scheme="ia-rd-projets", on=on, company=company,
                  amount=amount)  # fmt: skip
        if siret is not None:
            Award.objects.filter(pk=a.pk).update(beneficiary_siret=siret)
        return a.pk

    twice, apart, known, big, alone = (CompanyFactory() for _ in range(5))
    other_establishment = known.siren + "00099"  # same SIREN, not the head office
    expected = {
        # One company, 15,000 + 12,000 within 12 months: both published.
        given(date(2025, 1, 10), "15000.00", company=twice),
        given(date(2025, 11, 1), "12000.00", company=twice),
        # A company's award and a direct award to another of its establishments.
        given(date(2025, 3, 1), "20000.00", company=known),
        given(date(2025, 6, 1), "5000.00", siret=other_establishment),
        # A direct award beside a company's big award (published anyway): the small one.
        given(date(2025, 2, 1), "1000.00", siret=big.head_office_siret),
        # Two direct awards to one SIREN PlanIA has no company for.
        given(date(2025, 4, 1), "20000.00", siret=head_office_siret(sample_siren(7, seed=99))),
        given(date(2025, 5, 1), "4000.00", siret=head_office_siret(sample_siren(7, seed=99))),
    }
    given(date(2025, 1, 20), "30000.00", company=big)
    # 12 months or more apart, or alone: not published.
    given(date(2024, 1, 10), "15000.00", company=apart)
    given(date(2025, 1, 10), "12000.00", company=apart)
    given(date(2025, 1, 10), "12000.00", company=alone)
    given(date(2025, 7, 1), "9000.00", siret=head_office_siret(sample_siren(8, seed=99)))

    assert scdl.cumulated_award_ids() == expected
    # The threshold is a parameter: above every window's sum, nothing is added.
    assert scdl.cumulated_award_ids(threshold=Decimal("40000")) == set()


@pytest.mark.django_db
def test_payment_terms_follow_the_schedule_and_the_payments(staff, client, clock):
    """conditionsVersement and datesPeriodeVersement of each case, as the file shows them:
    several lines partly paid, then closed; one line not paid; one line paid."""
    from datetime import date

    from plania.awards.models import Award
    from tests.awards.flows import pay

    w = world(staff)

    def terms() -> dict[str, tuple[str, str]]:
        text = b"".join(client.get("/opendata/subventions.csv").streaming_content).decode()
        return {
            r["referenceDecision"]: (r["conditionsVersement"], r["datesPeriodeVersement"])
            for r in rows_of(text)
        }

    advance, first, second = w.with_advance, *w.cumulated
    signed = advance.agreement.signed_at.astimezone(scdl.PARIS).date()
    end = scdl._add_months(signed, 24)  # PLANIA_OPENDATA_PAYMENT_PERIOD_MONTHS
    assert terms()[advance.deliberation_reference] == ("échelonné", f"{signed}/{end}")

    on_signature = advance.schedule.order_by("position").first()
    clock.advance(days=10)
    pay(staff, advance, w.applicant, on_signature.amount, date(2025, 7, 1), line=on_signature)
    assert terms()[advance.deliberation_reference] == ("échelonné", f"2025-07-01/{end}")
    Award.objects.filter(pk=advance.pk).update(state="closed")
    assert terms()[advance.deliberation_reference] == ("échelonné", "2025-07-01/2025-07-01")

    for award in (first, second):  # one line each from now on
        award.schedule.order_by("position").last().delete()
    line = second.schedule.get()
    pay(staff, second, staff.officer, line.amount, date(2025, 8, 1), line=line)
    signed = first.agreement.signed_at.astimezone(scdl.PARIS).date()
    shown = terms()
    assert shown[first.deliberation_reference] == (
        "unique",
        f"{signed}/{scdl._add_months(signed, 24)}",
    )
    assert shown[second.deliberation_reference] == ("unique", "2025-08-01")


@pytest.mark.django_db
def test_export_queries_do_not_grow_with_awards(staff, django_assert_num_queries):
    """The file is a fixed number of queries (docs/opendata.md), none per award."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.opendata.world import close, direct, session

    w = world(staff)

    def lines() -> int:
        return "".join(scdl.csv_lines(scdl.export().rows())).count("\r\n") - 1

    with CaptureQueriesContext(connection) as before:
        assert lines() == 3
    assert len(before.captured_queries) <= 6
    # Six more small awards to the small beneficiary: with them, its awards cross the
    # threshold in 12 months, and all seven are published.
    more = session(staff, "CP/2025-03-E")
    for i in range(6):
        a = direct(staff, more, w.small.envelope, f"Org {i}", w.small.beneficiary_siret, "5000")
    close(staff, a)
    with django_assert_num_queries(len(before.captured_queries)):
        assert lines() == 3 + 7
