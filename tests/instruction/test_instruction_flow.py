"""A dossier filed through the applications room's real services, instructed end to end:
request for missing items and the applicant's answer, two experts of whom one is
conflicted, the officer's review, the proposal computed by the rules core on the frozen
data. Mails are checked after each commit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from plania.applications.enums import ApplicationState
from plania.applications.services import (
    application_answer_missing,
    application_create,
    application_save_draft,
    application_submit,
)
from plania.instruction.models import Proposal
from plania.rules.award import award_for
from plania.schemes.selectors import scheme_version
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.instruction.helpers import IA, CallFactory, expert, login, officer, person

pytestmark = pytest.mark.django_db

ANSWERS = {
    "project_title": "Jumeau numérique IA des réseaux d'eau",
    "summary": "Prévoir les fuites par apprentissage sur les capteurs du réseau.",
    "sector": "eau",
    "duration_months": "24",
    "headcount": "18",
    "turnover_eur": "1 200 000",
    "balance_sheet_eur": "900 000",
    "requested_eur": "300 000",
}
COSTS = [
    {"label": "Data scientists", "category": "personnel", "amount": "450 000", "eligible": "oui"},
    {"label": "Calcul GPU", "category": "computing", "amount": "150 000", "eligible": "oui"},
]
SCORES = {"scientific_quality": 4, "responsible_ai": 5, "team": 4, "economic_impact": 3}


def test_from_submission_to_proposal(client, django_capture_on_commit_callbacks):
    call = CallFactory(
        scheme_code=IA,
        opens_at=timezone.now() - timedelta(days=5),
        closes_at=timezone.now() + timedelta(days=5),
    )
    company = CompanyFactory(name="Aqua Neurones")
    applicant = person(email="fondatrice@aqua.example")
    MembershipFactory(user=applicant, company=company)
    app = application_create(call=call, company=company, actor=applicant).application
    app = application_save_draft(
        application=app, actor=applicant, answers=ANSWERS, cost_lines=COSTS
    )
    with django_capture_on_commit_callbacks(execute=True):
        app = application_submit(application=app, actor=applicant).application
    assert app.state == ApplicationState.SUBMITTED
    mail.outbox.clear()

    agent = officer(IA, email="agent.ia@region.example")
    login(client, agent)
    queue = client.get(reverse("web:instruction_queue", kwargs={"scheme": IA}))
    assert [r.application.reference for r in queue.context["rows"]] == [app.reference]
    dossier_url = reverse("web:instruction_dossier", kwargs={"reference": app.reference})
    award = client.get(dossier_url).context["award"]
    # 45 % of 600,000 = 270,000 (below the 500,000 cap and the 300,000 asked); the grant
    # part is capped at 150,000; a company aged 5 is past GBER art. 22: de minimis.
    assert (award.aid_eur, award.limited_by) == (Decimal("270000"), "intensity")
    assert (award.grant_eur, award.advance_eur) == (Decimal("150000"), Decimal("120000"))
    assert award.legal_basis == "de_minimis" and award.de_minimis_status == "fits"

    # Missing items: the applicant is mailed; they answer; the dossier is submitted again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("web:instruction_request_missing", kwargs={"reference": app.reference}),
            {"message": "Joignez le plan de financement signé."},
        )
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    app.refresh_from_db()
    assert app.state == ApplicationState.INCOMPLETE
    application_answer_missing(application=app, actor=applicant, message="Plan joint.")
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED

    # Start the instruction from the queue, invite two experts.
    client.post(
        reverse("web:instruction_queue_bulk", kwargs={"scheme": IA}),
        {"action": "start_review", "selected": [app.reference]},
    )
    app.refresh_from_db()
    assert app.state == ApplicationState.UNDER_REVIEW
    honest, conflicted = expert(email="honnete@labo.example"), expert(email="lie@labo.example")
    mail.outbox.clear()
    for who in (honest, conflicted):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("web:instruction_invite", kwargs={"reference": app.reference}),
                {"expert": who.pk},
            )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([conflicted.email, honest.email])

    # The conflicted expert declares it and is shut out of the scores.
    login(client, conflicted)
    client.post(
        reverse("web:instruction_declare", kwargs={"reference": app.reference}),
        {"conflicted": "yes", "reason": "J'ai conseillé l'entreprise en 2024."},
    )
    scores_url = reverse("web:instruction_scores", kwargs={"reference": app.reference})
    assert client.get(scores_url).status_code == 403

    # The other gives their opinion; the officer is mailed.
    login(client, honest)
    client.post(
        reverse("web:instruction_declare", kwargs={"reference": app.reference}),
        {"conflicted": "no"},
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:instruction_opinion", kwargs={"reference": app.reference}),
            {
                **{f"score_{k}": v for k, v in SCORES.items()},
                "text": "Approche sérieuse, données disponibles.",
                "recommendation": "favourable",
            },
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert client.get(scores_url).status_code == 200

    # The officer reviews and proposes.
    login(client, agent)
    panel = client.get(dossier_url).context["panel"]
    # (3x4/5 + 2x5/5 + 2x4/5 + 2x3/5) / 9 = (2.4 + 2 + 1.6 + 1.2) / 9 = 80 %
    assert panel.average == Decimal("80.00") and len(panel.counted) == 1
    client.post(
        reverse("web:instruction_review", kwargs={"reference": app.reference}),
        {
            **{f"score_{k}": v for k, v in SCORES.items()},
            "summary": "Favorable : projet structurant pour la filière eau.",
            "recommendation": "favourable",
            "proposed_amount": "",
        },
    )
    client.post(reverse("web:instruction_propose", kwargs={"reference": app.reference}))
    app.refresh_from_db()
    assert app.state == ApplicationState.PROPOSED
    proposal = Proposal.objects.get(application=app)
    assert (proposal.amount, proposal.grant_amount, proposal.advance_amount) == (
        Decimal("270000.00"),
        Decimal("150000.00"),
        Decimal("120000.00"),
    )
    assert proposal.legal_basis == "de_minimis"
    assert proposal.expert_average == Decimal("80.00") and proposal.expert_count == 1
    assert proposal.envelope == call.envelope
    # What the rules core computes on the frozen inputs, to the cent.
    rules_at = proposal.rules_date
    expected = award_for(proposal.rules["inputs"], scheme=scheme_version(IA, "2025"), at=rules_at)
    assert proposal.advance_gge_amount == expected.advance_gge_eur
    assert Decimal(proposal.de_minimis["headroom_after"]) == expected.de_minimis.headroom_after
    assert proposal.rules["inputs"]["eligible_cost_eur"] == "600000.00"
    assert proposal.rules["inputs"]["headcount"] == 18
