"""Every award the demo makes (`plania demo_setup`: the committee session of demo_awards and
the 200 dossiers of demo_data) keeps within its scheme's caps, read from the scheme
version in force on its proposal's day: the aid cap, the grant cap, the intensity on the
eligible cost, the de minimis ceiling when that is its legal basis."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from plania.awards.enums import LegalBasis
from plania.awards.models import Award
from plania.ops.integrity import integrity_problems
from plania.rules.award import AwardContext
from plania.schemes.selectors import scheme_version

pytestmark = pytest.mark.django_db


def cap_problems(award: Award) -> list[str]:
    proposal = award.item.proposal
    call = award.application.call
    scheme = scheme_version(call.scheme_code, call.scheme_version)
    assert scheme is not None
    ctx = AwardContext.build(scheme, proposal.rules_date)
    name = f"{award.reference} ({call.scheme_code})"
    problems = []
    if award.total > ctx.cap:
        problems.append(f"{name}: total {award.total} > cap {ctx.cap}")
    if award.grant > ctx.grant_cap:
        problems.append(f"{name}: grant {award.grant} > grant cap {ctx.grant_cap}")
    if award.total > proposal.eligible_cost:
        problems.append(f"{name}: total {award.total} > eligible cost {proposal.eligible_cost}")
    if ctx.intensity is not None and award.total > proposal.eligible_cost * ctx.intensity:
        problems.append(f"{name}: total {award.total} > {ctx.intensity} x {proposal.eligible_cost}")
    if award.grant + award.advance != award.total or award.total > proposal.amount:
        problems.append(f"{name}: {award.grant} + {award.advance} != {award.total}")
    if award.legal_basis == LegalBasis.DE_MINIMIS:
        ceiling = ctx.de_minimis_ceiling
        if ceiling is None or award.total_gge > ceiling:
            problems.append(f"{name}: {award.total_gge} in GGE > de minimis {ceiling}")
    return problems


def test_every_demo_award_keeps_within_its_schemes_caps() -> None:
    call_command("demo_setup", stdout=StringIO())
    awards = Award.objects.filter(application__isnull=False).select_related(
        "item__proposal", "application__call"
    )
    assert awards.count() >= 10
    problems = [p for award in awards for p in cap_problems(award)]
    assert problems == []
    # Some awards are limited by a cap, not all by the request: the caps are in play.
    limited = [a for a in awards if a.total < a.item.proposal.requested_amount]
    assert limited
    assert Award.objects.filter(advance__gt=0).exists()
    assert integrity_problems()[0] == []


def test_the_check_finds_an_award_over_its_caps() -> None:
    """The check above bites: an award past its grant cap is named."""
    call_command("demo_setup", stdout=StringIO())
    award = Award.objects.filter(
        application__scheme_code="startup-industrie-demain", advance__gt=0
    ).first()
    assert award is not None
    award.grant, award.advance = award.grant + award.advance, Decimal("0.00")
    assert any("grant cap" in p for p in cap_problems(award))
