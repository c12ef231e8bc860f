"""The officer's review and the proposal to the committee: amounts from the rules core's
compute_award on the frozen dossier (grant/advance split, legal basis, parameters),
lowered to the officer's amount when lower, the dossier moved through the workflow."""

from decimal import Decimal

import pytest
from django.urls import reverse

from plania.applications.enums import ApplicationState
from plania.applications.models import ApplicationEvent
from plania.instruction.models import Proposal, ProposalImmutableError, Review
from plania.instruction.services import (
    InstructionError,
    application_start_review,
    proposal_create,
    review_save,
)
from plania.rules.award import award_for
from plania.schemes.selectors import scheme_version
from tests.instruction.helpers import RULES_AT, STARTUP, api, filed, login

pytestmark = pytest.mark.django_db

SCORES = {"breakthrough": 4, "lab_collaboration": 4, "team": 3, "market": 3, "regional_impact": 4}


@pytest.fixture
def in_review(dossier, officer_x):
    application_start_review(application=dossier, actor=officer_x)
    return dossier


def test_the_review_defaults_to_the_rules_award_and_cannot_exceed_it(client, in_review, officer_x):
    url = f"/api/v1/instruction/dossiers/{in_review.reference}/review"
    response = api(
        client,
        "put",
        url,
        officer_x,
        json={"summary": "Projet solide.", "recommendation": "favourable", "scores": SCORES},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["proposed_amount"] == "200000.00"  # the rules core's award
    # (3x4/5 + 2x4/5 + 2x3/5 + 2x3/5 + 1x4/5) / 10 = (2.4 + 1.6 + 1.2 + 1.2 + 0.8) / 10 = 72 %
    assert data["weighted_score"] == "72.00"
    response = api(
        client, "put", url, json={"proposed_amount": "200001", "recommendation": "maybe"}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"proposed_amount", "recommendation"}
    response = api(client, "put", url, json={"scores": {"team": 8}})
    assert response.status_code == 422 and "score_team" in response.json()["errors"]
    # Partial scores are kept while the officer works.
    response = api(client, "put", url, json={"scores": {"team": 2}, "proposed_amount": "120 000"})
    assert response.status_code == 200
    review = Review.objects.get(application=in_review)
    assert review.scores == {"team": 2} and review.proposed_amount == Decimal("120000.00")
    assert review.grid_scheme == STARTUP and review.officer == officer_x


def test_the_review_form_on_the_page(client, in_review, officer_x):
    login(client, officer_x)
    url = reverse("web:instruction_review", kwargs={"reference": in_review.reference})
    response = client.post(
        url,
        {
            **{f"score_{k}": v for k, v in SCORES.items()},
            "summary": "Très bon dossier.",
            "recommendation": "favourable",
            "proposed_amount": "",
        },
    )
    assert response.status_code == 302
    review = Review.objects.get(application=in_review)
    assert review.scores == SCORES and review.proposed_amount == Decimal("200000.00")
    page = client.get(reverse("web:instruction_dossier", kwargs={"reference": in_review.reference}))
    assert page.context["officer_score"] == Decimal("72.00")
    response = client.post(url, {"recommendation": "favourable", "proposed_amount": "trop"})
    assert response.status_code == 422
    assert response.context["review_form"].errors["proposed_amount"]


def test_proposing_creates_the_proposal_with_the_rules_split(client, in_review, officer_x):
    review_save(
        application=in_review,
        actor=officer_x,
        summary="Projet de rupture, laboratoire impliqué.",
        recommendation="favourable",
        scores=SCORES,
    )
    login(client, officer_x)
    response = client.post(
        reverse("web:instruction_propose", kwargs={"reference": in_review.reference})
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.state == ApplicationState.PROPOSED
    event = ApplicationEvent.objects.filter(application=in_review).latest("at")
    assert (event.transition, event.from_state, event.to_state, event.actor) == (
        "propose",
        "under_review",
        "proposed",
        officer_x,
    )
    proposal = Proposal.objects.get(application=in_review)
    # The rules core on the frozen dossier: 200,000 capped, 50,000 grant, 150,000 advance.
    assert proposal.amount == Decimal("200000.00")
    assert (proposal.grant_amount, proposal.advance_amount) == (
        Decimal("50000.00"),
        Decimal("150000.00"),
    )
    assert proposal.computed_amount == Decimal("200000.00")
    assert proposal.requested_amount == Decimal("250000.00")
    assert proposal.legal_basis == "gber_art22"
    assert "651/2014" in proposal.legal_basis_text_fr and "651/2014" in proposal.legal_basis_text_en
    assert proposal.envelope == in_review.call.envelope
    assert proposal.officer == officer_x
    assert proposal.recommendation == "favourable"
    assert proposal.summary.startswith("Projet de rupture")
    assert proposal.officer_score == Decimal("72.00")
    assert proposal.rules_date == RULES_AT
    # The same figures as the rules core computes directly.
    expected = award_for(
        proposal.rules["inputs"], scheme=scheme_version(STARTUP, "2025"), at=RULES_AT
    )
    assert proposal.advance_gge_amount == expected.advance_gge_eur
    assert proposal.total_gge_amount == expected.total_gge_eur
    # Every parameter used, with its value, status and source.
    assert proposal.parameters["grant_cap_eur"]["value"] == "50000"
    assert proposal.parameters["grant_cap_eur"]["status"] == "set"
    assert proposal.parameters["advance_instalments"]["status"] == "to_be_set_by_region"
    assert proposal.rules["scheme"] == STARTUP and proposal.rules["version"] == "2025"
    assert proposal.rules["explanation"]["fr"] and proposal.rules["explanation"]["en"]
    assert proposal.de_minimis_status == "fits"
    # Shown on the page.
    html = client.get(
        reverse("web:instruction_dossier", kwargs={"reference": in_review.reference})
    ).content.decode()
    assert "Proposé le" in html
    # A proposal is a record.
    with pytest.raises(ProposalImmutableError):
        proposal.save()
    with pytest.raises(ProposalImmutableError):
        Proposal.objects.filter(pk=proposal.pk).update(amount=1)


def test_a_lower_amount_keeps_the_grant_first(client, in_review, officer_x):
    review_save(
        application=in_review,
        actor=officer_x,
        recommendation="favourable",
        proposed_amount="120000",
    )
    response = api(
        client, "post", f"/api/v1/instruction/dossiers/{in_review.reference}/propose", officer_x
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["amount"], data["grant_amount"], data["advance_amount"]) == (
        "120000.00",
        "50000.00",
        "70000.00",
    )
    assert data["computed_amount"] == "200000.00"
    assert data["rules"]["requested_lowered_to"] == "120000.00"
    assert data["legal_basis"] == "gber_art22"


def test_an_unfavourable_proposal_carries_no_amount(in_review, officer_x):
    review_save(application=in_review, actor=officer_x, recommendation="unfavourable")
    proposal = proposal_create(application=in_review, actor=officer_x)
    assert proposal.recommendation == "unfavourable"
    assert proposal.amount == proposal.grant_amount == proposal.advance_amount == Decimal("0.00")
    assert proposal.computed_amount == Decimal("200000.00")


def test_an_ineligible_dossier_can_only_be_proposed_unfavourably(call, officer_x):
    app = filed(call=call, inputs={"deep_tech": False})
    application_start_review(application=app, actor=officer_x)
    review_save(application=app, actor=officer_x, recommendation="favourable")
    with pytest.raises(InstructionError) as err:
        proposal_create(application=app, actor=officer_x)
    assert "défavorable" in err.value.message
    app.refresh_from_db()
    assert app.state == ApplicationState.UNDER_REVIEW
    review_save(application=app, actor=officer_x, recommendation="unfavourable")
    proposal = proposal_create(application=app, actor=officer_x)
    assert proposal.legal_basis == "" and proposal.amount == 0


@pytest.mark.parametrize(
    ("recommendation", "code", "field"),
    [("", "invalid", "recommendation"), ("adjourn", "invalid", "recommendation")],
)
def test_proposing_needs_a_recommendation(in_review, officer_x, recommendation, code, field):
    review_save(application=in_review, actor=officer_x, recommendation=recommendation)
    with pytest.raises(InstructionError) as err:
        proposal_create(application=in_review, actor=officer_x)
    assert err.value.code == code and field in err.value.errors
    assert not Proposal.objects.exists()


def test_proposing_needs_a_dossier_under_review(client, dossier, officer_x):
    response = api(
        client, "post", f"/api/v1/instruction/dossiers/{dossier.reference}/propose", officer_x
    )
    assert response.status_code == 409
    assert "En instruction" in response.json()["detail"]
    login(client, officer_x)
    response = client.post(
        reverse("web:instruction_propose", kwargs={"reference": dossier.reference})
    )
    assert response.status_code == 422
    assert response.context["propose_error"]


def test_no_review_after_the_proposal(in_review, officer_x):
    review_save(application=in_review, actor=officer_x, recommendation="favourable")
    proposal_create(application=in_review, actor=officer_x)
    with pytest.raises(InstructionError) as err:
        review_save(application=in_review, actor=officer_x, summary="Après coup")
    assert err.value.code == "state"
