"""Experts: invitation (mailed after commit), declaration of interests before anything
else, a conflicted expert gets 403 on the scores and cannot score, averages leave them
out, opinions are structured on the grid, the officer is mailed when an opinion arrives."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from plania.instruction.enums import InvitationStatus
from plania.instruction.models import ExpertOpinion
from plania.instruction.selectors import panel_of
from plania.instruction.services import (
    InstructionError,
    conflict_declare,
    expert_invite,
    opinion_submit,
)
from tests.instruction.helpers import api, expert, login, person

pytestmark = pytest.mark.django_db

GOOD = {"breakthrough": 5, "lab_collaboration": 4, "team": 4, "market": 3, "regional_impact": 5}
WEAK = {"breakthrough": 1, "lab_collaboration": 2, "team": 2, "market": 1, "regional_impact": 0}


def url(name, dossier):
    return reverse(f"web:instruction_{name}", kwargs={"reference": dossier.reference})


def api_url(dossier, suffix=""):
    return f"/api/v1/instruction/expertises/{dossier.reference}{suffix}"


@pytest.fixture
def invited(dossier, officer_x, an_expert):
    return expert_invite(application=dossier, expert=an_expert, actor=officer_x)


def test_inviting_mails_the_expert_after_commit(
    client, dossier, officer_x, an_expert, django_capture_on_commit_callbacks
):
    login(client, officer_x)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("invite", dossier), {"expert": an_expert.pk, "message": "Merci"})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == [an_expert.email]
    assert dossier.reference in message.subject
    assert url("expertise", dossier) in message.body
    # Nothing of the dossier's content in the mail: the declaration comes first.
    assert dossier.company.name not in message.body


def test_only_experts_can_be_invited_and_only_once(client, dossier, officer_x, an_expert):
    response = api(
        client,
        "post",
        f"/api/v1/instruction/dossiers/{dossier.reference}/experts",
        officer_x,
        json={"expert_email": person().email},
    )
    assert response.status_code == 422
    assert "expert_email" in response.json()["errors"]
    ok = api(
        client,
        "post",
        f"/api/v1/instruction/dossiers/{dossier.reference}/experts",
        json={"expert_email": an_expert.email},
    )
    assert ok.status_code == 201 and ok.json()["status"] == "invited"
    again = api(
        client,
        "post",
        f"/api/v1/instruction/dossiers/{dossier.reference}/experts",
        json={"expert_email": an_expert.email},
    )
    assert again.status_code == 422


def test_the_expert_declares_interests_before_seeing_anything(client, dossier, invited, an_expert):
    login(client, an_expert)
    html = client.get(url("expertise", dossier)).content.decode()
    assert "Déclaration d'intérêts" in html
    assert dossier.company.name not in html
    data = client.get(api_url(dossier)).json()
    assert data["access"] == "declare" and data["company_name"] is None
    # No scores, no opinion, no notes before the declaration: 403 (the expert is invited).
    assert client.get(url("scores", dossier)).status_code == 403
    assert client.get(api_url(dossier, "/scores")).status_code == 403
    response = client.post(url("opinion", dossier), {"text": "x", "recommendation": "favourable"})
    assert response.status_code == 403
    response = api(client, "put", api_url(dossier, "/opinion"), json={"scores": GOOD, "text": "x"})
    assert response.status_code == 403
    assert not ExpertOpinion.objects.exists()


def test_no_conflict_opens_the_dossier_and_the_opinion_mails_the_officer(
    client, dossier, invited, an_expert, officer_x, django_capture_on_commit_callbacks
):
    login(client, an_expert)
    response = client.post(url("declare", dossier), {"conflicted": "no"})
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.status == InvitationStatus.ACCEPTED
    html = client.get(url("expertise", dossier)).content.decode()
    assert dossier.company.name in html
    # Incomplete scores are refused, field by field.
    response = client.post(
        url("opinion", dossier),
        {"text": "Solide.", "recommendation": "favourable", "score_team": "3"},
    )
    assert response.status_code == 422
    assert "score_breakthrough" in response.context["opinion_form"].errors
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("opinion", dossier),
            {
                **{f"score_{k}": v for k, v in GOOD.items()},
                "text": "Projet de rupture, équipe solide.",
                "recommendation": "favourable",
            },
        )
    assert response.status_code == 302
    opinion = ExpertOpinion.objects.get(invitation=invited)
    assert opinion.scores == GOOD and opinion.recommendation == "favourable"
    invited.refresh_from_db()
    assert invited.status == InvitationStatus.COMPLETED
    (message,) = mail.outbox
    assert message.to == [officer_x.email]
    assert dossier.reference in message.subject
    # The expert now sees the panel's scores.
    scores = client.get(api_url(dossier, "/scores")).json()
    # (3x5/5 + 2x4/5 + 2x4/5 + 2x3/5 + 1x5/5) / 10 = (3 + 1.6 + 1.6 + 1.2 + 1) / 10 = 84 %
    assert scores["average"] == "84.00"
    assert scores["opinions"][0]["you"] is True


def test_a_conflicted_expert_gets_403_on_scores_and_cannot_score(
    client, dossier, officer_x, an_expert
):
    honest, conflicted = an_expert, expert(email="conflit@labo.example")
    inv_ok = expert_invite(application=dossier, expert=honest, actor=officer_x)
    inv_conflicted = expert_invite(application=dossier, expert=conflicted, actor=officer_x)
    conflict_declare(invitation=inv_ok, actor=honest, conflicted=False)
    opinion_submit(
        invitation=inv_ok, actor=honest, scores=GOOD, text="Bien.", recommendation="favourable"
    )

    login(client, conflicted)
    # A conflict needs its reason.
    response = client.post(url("declare", dossier), {"conflicted": "yes", "reason": ""})
    assert response.status_code == 422
    assert response.context["declaration_form"].errors["reason"]
    response = api(
        client,
        "post",
        api_url(dossier, "/declaration"),
        json={"conflicted": True, "reason": "Ancien associé du dirigeant."},
    )
    assert response.status_code == 200 and response.json()["status"] == "conflicted"

    # 403 on the scores, page and API; the dossier's content stays hidden.
    assert client.get(url("scores", dossier)).status_code == 403
    response = client.get(api_url(dossier, "/scores"))
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "code", "errors"}
    html = client.get(url("expertise", dossier)).content.decode()
    assert "conflit d'intérêts" in html and dossier.company.name not in html
    assert client.get(api_url(dossier)).json()["answers"] is None
    # Cannot score, by the page, the API or the service.
    response = client.post(
        url("opinion", dossier),
        {
            **{f"score_{k}": v for k, v in WEAK.items()},
            "text": "x",
            "recommendation": "unfavourable",
        },
    )
    assert response.status_code == 403
    response = api(
        client,
        "put",
        api_url(dossier, "/opinion"),
        json={"scores": WEAK, "text": "x", "recommendation": "unfavourable"},
    )
    assert response.status_code == 403
    with pytest.raises(InstructionError) as err:
        opinion_submit(
            invitation=inv_conflicted,
            actor=conflicted,
            scores=WEAK,
            text="x",
            recommendation="adjourn",
        )
    assert err.value.code == "forbidden"
    assert not ExpertOpinion.objects.filter(invitation=inv_conflicted).exists()
    # A conflict is final.
    with pytest.raises(InstructionError):
        conflict_declare(invitation=inv_conflicted, actor=conflicted, conflicted=False)


def test_averages_leave_out_an_expert_who_declares_a_conflict_after_scoring(
    client, dossier, officer_x, an_expert
):
    second = expert()
    inv_a = expert_invite(application=dossier, expert=an_expert, actor=officer_x)
    inv_b = expert_invite(application=dossier, expert=second, actor=officer_x)
    for inv, who, scores in [(inv_a, an_expert, GOOD), (inv_b, second, WEAK)]:
        conflict_declare(invitation=inv, actor=who, conflicted=False)
        opinion_submit(
            invitation=inv, actor=who, scores=scores, text="Avis.", recommendation="favourable"
        )
    # WEAK: (3x1/5 + 2x2/5 + 2x2/5 + 2x1/5 + 0) / 10 = (0.6 + 0.8 + 0.8 + 0.4) / 10 = 26 %
    assert panel_of(dossier).average == Decimal("55.00")  # (84 + 26) / 2
    # The second expert discovers a conflict: their opinion leaves the average.
    conflict_declare(invitation=inv_b, actor=second, conflicted=True, reason="Lien familial.")
    panel = panel_of(dossier)
    assert panel.average == Decimal("84.00")
    assert [e.invitation.expert for e in panel.conflicted] == [second]
    # The officer sees every opinion, with the conflicted one flagged, and the average.
    data = api(client, "get", f"/api/v1/instruction/dossiers/{dossier.reference}", officer_x).json()
    assert data["expert_average"] == "84.00"
    by_expert = {e["expert"]: e for e in data["experts"]}
    assert by_expert[second.email]["conflicted"] is True
    assert by_expert[second.email]["counted_in_average"] is False
    assert by_expert[second.email]["conflict_reason"] == "Lien familial."
    assert by_expert[an_expert.email]["opinion"]["weighted_score"] == "84.00"
    html = client.get(
        reverse("web:instruction_dossier", kwargs={"reference": dossier.reference})
    ).content.decode()
    assert 'data-average="84.00"' in html
    assert "exclu des moyennes" in html
    # The honest expert sees the panel without the conflicted expert.
    login(client, an_expert)
    scores = client.get(api_url(dossier, "/scores")).json()
    assert scores["average"] == "84.00" and len(scores["opinions"]) == 1


def test_opinion_validation_errors_are_structured(client, dossier, invited, an_expert):
    conflict_declare(invitation=invited, actor=an_expert, conflicted=False)
    response = api(
        client,
        "put",
        api_url(dossier, "/opinion"),
        an_expert,
        json={"scores": {**GOOD, "team": 9, "bogus": 1}, "text": "", "recommendation": "maybe"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"score_team", "score_bogus", "text", "recommendation"}
    assert "0 à 5" in errors["score_team"][0]


def test_no_opinion_once_the_dossier_is_proposed(client, dossier, invited, an_expert):
    conflict_declare(invitation=invited, actor=an_expert, conflicted=False)
    dossier.state = "proposed"
    dossier.save()
    response = api(
        client,
        "put",
        api_url(dossier, "/opinion"),
        an_expert,
        json={"scores": GOOD, "text": "Tard.", "recommendation": "favourable"},
    )
    assert response.status_code == 409
