"""The awards and committee lists run the same SQL for 1 row and for 50 (issue 12 item 5),
pinned in __snapshots__/test_awards_queries.ambr (tests/queries.py): the API's and the
pages' lists of awards and of committee sessions, and the payments to order.

Rows are made through the services: direct awards (a proposal, an agenda item, a
decision, a commitment in the ledger), one session per award; a paid award has a
payment request certified and ordered, so that its sums are not all zero."""

from typing import Any

import pytest

from plania.agreements import services as agreements_services
from plania.committee import services as committee_services
from plania.companies.sirene import head_office_siret, sample_siren
from plania.payments import services as payments_services
from tests.awards.dossiers import funded_call
from tests.awards.flows import HELD
from tests.queries import assert_same_queries, one_then_fifty
from tests.security.otp import otp_force_login

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    from plania.accounts.services import api_token_create

    _token, plaintext = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


class Rows:
    """n sessions, each with one direct award decided, and one agenda item pending."""

    def __init__(self, staff: Any) -> None:
        self.staff = staff
        self.envelope = funded_call().envelope
        self.made = 0

    def add(self, n: int) -> None:
        for _ in range(n):
            i = self.made = self.made + 1
            session = committee_services.session_create(
                held_on=HELD,
                title=f"CP {i}",
                deliberation_prefix=f"CP/2025-{i:03d}",
                actor=self.staff.committee,
            )
            decided, pending = (self._direct(session, i, k) for k in (0, 1))
            committee_services.decision_approve(item=decided, actor=self.staff.committee)
            assert pending.outcome == "pending"

    def _direct(self, session: Any, i: int, k: int) -> Any:
        proposal = committee_services.direct_propose(
            envelope=self.envelope,
            beneficiary_name=f"Organisme {i}-{k}",
            beneficiary_siret=head_office_siret(sample_siren(2 * i + k, seed=1212)),
            purpose="Un événement IA",
            amount="1000",
            legal_basis="de_minimis",
            justification="Test.",
            actor=self.staff.officer,
        )
        return committee_services.session_add_direct(
            session=session, direct=proposal, actor=self.staff.committee
        )


def test_award_list_api(client, staff, snapshot):
    headers = bearer(staff.finance)

    def get(n: int) -> None:
        body = client.get("/api/v1/awards", {"page_size": 100}, **headers).json()
        assert body["count"] == n and len(body["items"]) == n
        assert {a["committed"] for a in body["items"]} == {"1000.00"}

    one, fifty = one_then_fifty(Rows(staff).add, get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_session_list_api(client, staff, snapshot):
    headers = bearer(staff.committee)

    def get(n: int) -> None:
        body = client.get("/api/v1/awards/sessions", {"page_size": 100}, **headers).json()
        assert body["count"] == n and len(body["items"]) == n
        for session in body["items"]:
            decided, pending = session["items"]
            assert decided["award"] and decided["envelope"] and pending["award"] is None

    one, fifty = one_then_fifty(Rows(staff).add, get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_award_list_page(client, staff, snapshot):
    otp_force_login(client, staff.finance)

    def get(n: int) -> None:
        html = client.get("/aides/attributions/").content.decode()
        assert html.count('href="/aides/attributions/') == n

    one, fifty = one_then_fifty(Rows(staff).add, get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_session_list_page(client, staff, snapshot):
    otp_force_login(client, staff.committee)

    def get(n: int) -> None:
        html = client.get("/aides/commissions/").content.decode()
        assert html.count('href="/aides/commissions/') == n

    one, fifty = one_then_fifty(Rows(staff).add, get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_payments_to_order_page(client, staff, snapshot):
    """Each award's agreement waived, a payment requested and certified by the officer."""
    rows = Rows(staff)

    def add(n: int) -> None:
        from plania.awards.models import Award

        rows.add(n)
        for award in Award.objects.filter(payment_requests__isnull=True):
            agreements_services.agreement_waive(award=award, actor=staff.officer)
            award.refresh_from_db()
            request = payments_services.payment_request_create(
                award=award, actor=staff.officer, amount="500"
            )
            payments_services.payment_request_certify(request=request, actor=staff.officer)

    otp_force_login(client, staff.finance)

    def get(n: int) -> None:
        html = client.get("/aides/versements/a-mandater/").content.decode()
        assert html.count('href="/aides/attributions/') == n

    one, fifty = one_then_fifty(add, get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_transparency_page(client, staff, clock, snapshot):
    """The public list of awards (plania.web.opendata), anonymous: decisions of held
    sessions only (their pending items left aside)."""
    from plania.committee.models import CommitteeSession

    rows = Rows(staff)
    clock.advance(days=100)  # past HELD

    def add(n: int) -> None:
        rows.add(n)
        CommitteeSession.objects.update(state="held")

    def get(n: int) -> None:
        response = client.get("/transparence/")
        assert len(response.context["rows"]) == n

    one, fifty = one_then_fifty(add, get)
    assert_same_queries(one, fifty)
    assert one == snapshot
