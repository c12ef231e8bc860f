"""The public transparency page (filters, totals, no personal data, bounded queries) and
the staff "to publish" list (access, deadline)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plania.accounts.roles import Role
from plania.awards.models import Award
from plania.opendata.models import PublishedAward
from tests.awards.dossiers import with_role
from tests.opendata.world import CUMUL_SIRET, close, direct, session, world
from tests.security.otp import otp_force_login


def totals_of(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-total="(\w+)">([^<]*)<', html))


@pytest.mark.django_db
def test_totals_and_filters(staff, client):
    w = world(staff)
    page = client.get("/transparence/")
    assert page.status_code == 200
    html = page.content.decode()
    assert totals_of(html)["count"] == str(Award.objects.count()) == "4"
    assert w.with_advance.beneficiary_name in html or w.with_advance.company.name in html
    # amount range: only the award above EUR 23,000
    html = client.get("/transparence/", {"min": "23000"}).content.decode()
    assert totals_of(html)["count"] == "1"
    assert "Organisme Cumul" not in html
    # amount max + scheme filter (direct awards have no scheme)
    html = client.get("/transparence/", {"max": "15000"}).content.decode()
    assert totals_of(html)["count"] == "3"
    html = client.get("/transparence/", {"dispositif": w.with_advance.scheme_code}).content.decode()
    assert totals_of(html)["count"] == "1"
    # year
    year = w.with_advance.decided_on.year
    assert totals_of(client.get("/transparence/", {"annee": year}).content.decode())["count"] == "4"
    assert (
        totals_of(client.get("/transparence/", {"annee": year - 3}).content.decode())["count"]
        == "0"
    )
    # département of the company's head office
    dep = w.with_advance.company.departement
    if dep:
        html = client.get("/transparence/", {"departement": dep}).content.decode()
        assert totals_of(html)["count"] == "1"
    # invalid values are ignored, not errors
    assert client.get("/transparence/", {"min": "abc", "annee": "x"}).status_code == 200


@pytest.mark.django_db
def test_sole_trader_is_not_named(staff, client):
    w = world(staff)
    company = w.with_advance.company
    company.legal_category = "1000"
    company.save(update_fields=["legal_category"])
    html = client.get("/transparence/").content.decode()
    assert company.name not in html
    assert company.head_office_siret not in html
    assert "Personne physique" in html
    assert CUMUL_SIRET in html  # legal persons keep name and SIRET


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(staff, client):
    w = world(staff)
    with CaptureQueriesContext(connection) as small:
        client.get("/transparence/")
    more = session(staff, "CP/2025-03-E")
    for i in range(8):
        a = direct(staff, more, w.small.envelope, f"Org {i}", w.small.beneficiary_siret, "1000")
    close(staff, a)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/transparence/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large.captured_queries) <= 4  # totals, page rows (+ session/auth at most)


@pytest.mark.django_db
def test_to_publish_access_and_deadline(staff, client, clock):
    w = world(staff)
    url = "/opendata/a-publier/"
    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(w.applicant)
    assert client.get(url).status_code == 404
    otp_force_login(client, staff.officer)
    assert client.get(url).status_code == 404
    finance = staff.finance
    otp_force_login(client, finance)
    # Right after signature nothing is due within 15 days.
    assert "Organisme Cumul" not in client.get(url).content.decode()
    # 80 days later the deadline (3 months) is < 15 days away.
    clock.advance(days=80)
    otp_force_login(client, finance)  # the session does not last 80 days
    html = client.get(url).content.decode()
    assert w.with_advance.reference in html and w.cumulated[0].reference in html
    assert w.small.reference not in html
    response = client.post(
        url,
        {"award": [w.with_advance.pk], "published_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert PublishedAward.objects.filter(award=w.with_advance).exists()
    assert w.with_advance.reference not in client.get(url).content.decode()
    admin = with_role(Role.ADMIN)
    otp_force_login(client, admin)
    assert client.get(url).status_code == 200
    clock.advance(days=30)
    otp_force_login(client, admin)
    assert "dépassée" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"published_on": "2025-02-30"}, "Publiées le : Date invalide"),
        ({"published_on": "hier"}, "Publiées le : Date invalide"),
        ({"award": ["abc"]}, "Aides publiées : Aide inconnue : abc."),
        ({"award": []}, "Aides publiées : Cochez les aides publiées."),
    ],
)
def test_to_publish_with_bad_input_records_nothing(staff, client, posted, message):
    import html

    w = world(staff)
    otp_force_login(client, staff.finance)
    response = client.post(
        "/opendata/a-publier/", {"award": [w.with_advance.pk], **posted}, follow=True
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    # A malformed date is not taken for today.
    assert not PublishedAward.objects.exists()
