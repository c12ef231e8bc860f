"""Committee sessions: decisions, "approve all" (all or nothing), amounts never raised."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from plania.applications.models import Application
from plania.awards.models import Award, AwardEvent
from plania.awards.services import AwardError
from plania.committee import services as committee_services
from plania.committee.enums import Outcome
from plania.committee.models import AgendaItem
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import envelope_balances
from tests.awards.dossiers import funded_call, proposed

pytestmark = pytest.mark.django_db

HELD = date(2025, 6, 12)


def session(staff, prefix="CP/2025-06"):
    return committee_services.session_create(
        held_on=HELD,
        title="Commission permanente de juin",
        deliberation_prefix=prefix,
        actor=staff.committee,
    )


def test_approve_creates_award_commitment_and_moves_the_dossier(staff):
    call = funded_call()
    _user, proposal = proposed(call, staff.officer)
    cp = session(staff)
    item = committee_services.session_add_proposal(
        session=cp, proposal=proposal, actor=staff.committee
    )
    award = committee_services.decision_approve(item=item, actor=staff.committee, advance="80000")
    assert award.total == Decimal("130000.00")
    assert award.grant == Decimal("50000.00") and award.advance == Decimal("80000.00")
    assert award.deliberation_reference == "CP/2025-06/1"
    assert award.reference == "AID-CP-2025-06-1"
    # GBER art. 22 (a company of 2021, small): nothing to declare under de minimis.
    assert award.legal_basis == "gber_art22" and award.de_minimis_amount == 0
    assert 0 < award.advance_gge < award.advance
    assert award.rules["parameters"]["aid_cap_eur"]["source"]
    entry = award.commitment
    assert entry.kind == EntryKind.COMMITMENT and entry.amount == award.total
    assert entry.budget_year == 2025 and entry.reference.startswith("CP/2025-06/1 SID-2025-")
    assert envelope_balances(call.envelope).committed == Decimal("130000.00")
    assert Application.objects.get(pk=proposal.application_id).state == "approved"
    assert [s.amount for s in award.schedule.all()] == [Decimal("65000.00")] * 2
    assert AwardEvent.objects.filter(award=award, action="approve").exists()


def test_approval_never_raises_the_proposal(staff):
    call = funded_call()
    _user, proposal = proposed(call, staff.officer)
    item = committee_services.session_add_proposal(
        session=session(staff), proposal=proposal, actor=staff.committee
    )
    with pytest.raises(AwardError) as exc:
        committee_services.decision_approve(item=item, actor=staff.committee, grant="50000.01")
    assert "dépasse la proposition" in exc.value.message
    assert not Award.objects.exists() and not LedgerEntry.objects.filter(kind="commitment").exists()
    assert AgendaItem.objects.get(pk=item.pk).outcome == Outcome.PENDING


def test_rejection_is_reasoned_and_notified_with_the_transparency_mention(staff):
    call = funded_call()
    user, proposal = proposed(call, staff.officer)
    item = committee_services.session_add_proposal(
        session=session(staff), proposal=proposal, actor=staff.committee
    )
    with pytest.raises(AwardError):
        committee_services.decision_reject(item=item, actor=staff.committee, reason="  ")
    mail.outbox.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        committee_services.decision_reject(
            item=item, actor=staff.committee, reason="Marché non démontré."
        )
    assert Application.objects.get(pk=proposal.application_id).state == "rejected"
    (message,) = [m for m in mail.outbox if user.email in m.to]
    assert "L311-3-1" in message.body and "Marché non démontré." in message.body
    assert f"/aides/dossiers/{proposal.application.reference}/explication/" in message.body


def test_adjourned_dossier_stays_proposed_and_comes_back(staff):
    call = funded_call()
    _user, proposal = proposed(call, staff.officer)
    item = committee_services.session_add_proposal(
        session=session(staff), proposal=proposal, actor=staff.committee
    )
    committee_services.decision_adjourn(
        item=item, actor=staff.committee, reason="Compléments attendus."
    )
    assert Application.objects.get(pk=proposal.application_id).state == "proposed"
    later = session(staff, prefix="CP/2025-07")
    again = committee_services.session_add_proposal(
        session=later, proposal=proposal, actor=staff.committee
    )
    assert again.outcome == Outcome.PENDING


def test_approve_all_overflow_names_the_proposals_and_changes_nothing(staff):
    # 300,000 available; three proposals of 150,000, 100,000 and 120,000 (370,000).
    call = funded_call("300000.00")
    first = proposed(call, staff.officer)[1]
    second = proposed(call, staff.officer, amount="100000")[1]
    third = proposed(call, staff.officer, amount="120000")[1]
    cp = session(staff)
    items = [
        committee_services.session_add_proposal(session=cp, proposal=p, actor=staff.committee)
        for p in (first, second, third)
    ]
    states_before = sorted(Application.objects.values_list("reference", "state"))
    entries_before = LedgerEntry.objects.count()
    with pytest.raises(AwardError) as exc:
        committee_services.session_approve_all(session=cp, actor=staff.committee)
    error = exc.value
    assert error.code == "overflow"
    # Running shortfall in agenda order: 150k + 100k fit, the third is short by 70k.
    assert [(s.item.pk, s.short_by) for s in error.shortfalls] == [
        (items[2].pk, Decimal("70000.00"))
    ]
    assert third.application.reference in error.message
    assert "70" in error.message and first.application.reference not in error.message
    # Nothing changed: no award, no ledger row, no state change, items pending.
    assert not Award.objects.exists()
    assert LedgerEntry.objects.count() == entries_before
    assert sorted(Application.objects.values_list("reference", "state")) == states_before
    assert set(AgendaItem.objects.values_list("outcome", flat=True)) == {Outcome.PENDING}
    assert envelope_balances(call.envelope).committed == 0


def test_approve_all_lists_every_item_past_the_envelope(staff):
    call = funded_call("200000.00")
    proposals = [proposed(call, staff.officer, amount=a)[1] for a in ("150000", "60000", "40000")]
    cp = session(staff)
    for p in proposals:
        committee_services.session_add_proposal(session=cp, proposal=p, actor=staff.committee)
    with pytest.raises(AwardError) as exc:
        committee_services.session_approve_all(session=cp, actor=staff.committee)
    # 150k fits; 60k goes 10k past; the 40k after it does not fit at all.
    assert [s.short_by for s in exc.value.shortfalls] == [Decimal("10000.00"), Decimal("40000.00")]


def test_approve_all_within_the_envelope_approves_everything_at_once(staff):
    call = funded_call("400000.00")
    proposals = [proposed(call, staff.officer)[1] for _ in range(2)]
    cp = session(staff)
    for p in proposals:
        committee_services.session_add_proposal(session=cp, proposal=p, actor=staff.committee)
    awards = committee_services.session_approve_all(session=cp, actor=staff.committee)
    assert [a.deliberation_reference for a in awards] == ["CP/2025-06/1", "CP/2025-06/2"]
    assert envelope_balances(call.envelope).committed == Decimal("300000.00")
    committee_services.session_close(session=cp, actor=staff.committee)


def test_only_the_committee_decides(staff):
    call = funded_call()
    _user, proposal = proposed(call, staff.officer)
    item = committee_services.session_add_proposal(
        session=session(staff), proposal=proposal, actor=staff.officer
    )
    for who in (staff.officer, staff.finance):
        with pytest.raises(AwardError) as exc:
            committee_services.decision_approve(item=item, actor=who)
        assert exc.value.code == "forbidden"
