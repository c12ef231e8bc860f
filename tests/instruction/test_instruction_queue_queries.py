"""The officers' queue renders with a fixed number of SQL queries whatever the number of
dossiers and the page size (issue 5 acceptance): 10,000 dossiers made with bulk_create,
each row showing its company, call, officer in charge, review and expert counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from plania.applications.enums import ApplicationState
from plania.applications.models import Application
from plania.companies.enums import DataSource
from plania.companies.models import Company
from plania.instruction.models import (
    ApplicationAssignment,
    ExpertInvitation,
    ExpertOpinion,
    Review,
)
from tests.factories import UserFactory
from tests.instruction.helpers import STARTUP, CallFactory, expert, filed, login
from tests.queries import assert_same_queries, one_then_fifty

pytestmark = pytest.mark.django_db

N = 10_000
STATES = [ApplicationState.SUBMITTED, ApplicationState.INCOMPLETE, ApplicationState.UNDER_REVIEW]
NAF = ["62.01Z", "28.99B", "72.19Z", "63.11Z", "01.11Z"]
DEPTS = ["31", "34", "81", "09", "66"]


@pytest.fixture
def ten_thousand(officer_x):
    now = timezone.now()
    calls = [CallFactory() for _ in range(4)]
    creator = UserFactory()
    companies = Company.objects.bulk_create(
        Company(
            siren=f"{900_000_000 + i:09d}",
            name=f"Entreprise {i:05d}",
            naf_code=NAF[i % 5],
            departement=DEPTS[i % 5],
            verified=i % 7 != 0,
            data_source=DataSource.SIRENE_STOCK if i % 7 else DataSource.MANUAL,
            refreshed_at=now,
        )
        for i in range(N)
    )
    apps = Application.objects.bulk_create(
        Application(
            reference=f"BULK-{i:05d}",
            call=calls[i % 4],
            company=companies[i],
            created_by=creator,
            state=STATES[i % 3],
            requested_amount=Decimal(10_000 + (i * 37) % 190_000),
            submitted_at=now - timedelta(days=i % 90, minutes=i),
            receipt_number=f"AR-BULK-{i:05d}",
            rules_sha256="0" * 64,
            scheme_code=STARTUP,
            scheme_version="2025",
        )
        for i in range(N)
    )
    # Some rows with an officer in charge, a review and experts' invitations and opinions.
    ApplicationAssignment.objects.bulk_create(
        ApplicationAssignment(application=a, officer=officer_x, assigned_at=now) for a in apps[::3]
    )
    Review.objects.bulk_create(
        Review(application=a, officer=officer_x, recommendation="favourable") for a in apps[::5]
    )
    experts = [expert(), expert()]
    invitations = ExpertInvitation.objects.bulk_create(
        ExpertInvitation(application=a, expert=e, invited_by=officer_x, invited_at=now)
        for a in apps[::4]
        for e in experts
    )
    ExpertOpinion.objects.bulk_create(
        ExpertOpinion(
            invitation=inv,
            scores={},
            grid_scheme=STARTUP,
            grid_version="2025",
            text="Avis.",
            recommendation="favourable",
            submitted_at=now,
            updated_at=now,
        )
        for inv in invitations[::2]
    )
    assert Application.objects.count() == N
    return apps


# Session, user, second-factor device and staff-role check (plania.security), the
# officer-role check (plania.accounts.access), the officer's schemes, the officer-role check
# of the scoped queryset (then remembered for the request), the calls of the filter, the
# paginator's count, the page's rows.
QUEUE_QUERIES = 10
# Session, user, second-factor device, the operation's officer-role check
# (plania.api.access), the officer's schemes, the officer-role check of the scoped
# queryset, the count, the page's rows: as the page; and the API's rate-limit counter
# (plania.security.ratelimit, one upsert).
API_QUERIES = 9


@pytest.mark.parametrize("per_page", [25, 100])
def test_the_queue_has_a_fixed_number_of_queries(
    client, ten_thousand, officer_x, per_page, django_assert_num_queries
):
    login(client, officer_x)
    url = reverse("web:instruction_queue", kwargs={"scheme": STARTUP})
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(url, {"per_page": per_page, "sort": "-amount"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == per_page
    assert response.context["page"].paginator.count == N
    assert response.content.decode().count('name="selected"') == per_page

    # Filtered, on a later page: the same count.
    params = {"per_page": per_page, "sector": "J", "days_min": "3", "page": 3}
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(url, params)
    assert len(response.context["rows"]) == per_page

    # The API too.
    with django_assert_num_queries(API_QUERIES):
        response = client.get(
            "/api/v1/instruction/queue", {"scheme": STARTUP, "page_size": str(per_page)}
        )
    assert response.status_code == 200
    assert len(response.json()["items"]) == per_page


# -- The SQL itself, for 1 and 50 dossiers (issue 12 item 5) ----------------------------------


def _filed(call, officer_x):
    def add(n: int) -> None:
        now = timezone.now()
        for _ in range(n):
            app = filed(call=call)
            ApplicationAssignment.objects.create(
                application=app, officer=officer_x, assigned_at=now
            )

    return add


def test_the_queue_page_runs_the_same_sql_for_1_and_50_dossiers(client, call, officer_x, snapshot):
    login(client, officer_x)
    url = reverse("web:instruction_queue", kwargs={"scheme": STARTUP})

    def get(n: int) -> None:
        response = client.get(url, {"per_page": 100})
        assert len(response.context["rows"]) == n

    one, fifty = one_then_fifty(_filed(call, officer_x), get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_the_queue_api_runs_the_same_sql_for_1_and_50_dossiers(client, call, officer_x, snapshot):
    login(client, officer_x)

    def get(n: int) -> None:
        params = {"scheme": STARTUP, "page_size": 100}
        body = client.get("/api/v1/instruction/queue", params).json()
        assert body["count"] == n and {r["officer"] for r in body["items"]} == {officer_x.email}

    one, fifty = one_then_fifty(_filed(call, officer_x), get)
    assert_same_queries(one, fifty)
    assert one == snapshot
