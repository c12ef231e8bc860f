"""Writes of the committee room: sessions of the Commission permanente, their agenda
(officers' proposals, direct proposals), decisions (approve, reject, adjourn), the
"approve all" of a session and its closing.

An approval creates the award (plania.awards), its ledger commitment and its payment
schedule (plania.payments) in the decision's transaction. Refusals are
plania.awards.services.AwardError; mails leave after commit (plania.committee.emails).
"""

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.fr import siret as stdnum_siret

from plania.accounts.roles import Role
from plania.applications import workflow as dossier_workflow
from plania.applications.enums import ApplicationState
from plania.applications.models import Application
from plania.applications.workflow import WorkflowError
from plania.awards import rules_record
from plania.awards.enums import LegalBasis
from plania.awards.models import Award
from plania.awards.proposals import proposal_figures
from plania.awards.services import (
    ZERO,
    AwardError,
    acting_user,
    award_reference,
    event_record,
    ledger_refusal,
    now,
    parse_money,
    require_role,
    workflow_refusal,
)
from plania.committee import emails
from plania.committee.enums import Outcome, SessionState
from plania.committee.models import AgendaItem, CommitteeSession, DirectProposal, ItemConflict
from plania.committee.permissions import DECIDE
from plania.committee.shortfalls import batch_shortfalls, shortfall_message
from plania.core.formats import format_eur
from plania.core.grants import can, forget
from plania.ledger.services import LedgerError, ledger_commit
from plania.payments.services import schedule_create
from plania.plans.models import Envelope
from plania.rules import schedules


@transaction.atomic
def session_create(
    *, held_on: date, title: str, deliberation_prefix: str, actor: Any
) -> CommitteeSession:
    require_role(actor, Role.COMMITTEE)
    prefix = deliberation_prefix.strip()
    if not prefix or not title.strip():
        raise AwardError(
            _("Une séance a un intitulé et un préfixe de délibération (par ex. CP/2025-06)."),
            code="invalid",
        )
    if CommitteeSession.objects.filter(deliberation_prefix=prefix).exists():
        raise AwardError(
            _("Une séance porte déjà le préfixe %(prefix)s.") % {"prefix": prefix}, code="invalid"
        )
    session = CommitteeSession.objects.create(
        held_on=held_on, title=title.strip(), deliberation_prefix=prefix, created_by=actor
    )
    event_record(action="session_create", actor=actor, session=session, to_state=session.state)
    return session


def _next_position(session: CommitteeSession) -> int:
    last = session.items.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


def _check_open(session: CommitteeSession) -> None:
    if session.state != SessionState.PLANNED:
        raise AwardError(
            _("La séance du %(date)s est close : son ordre du jour ne change plus.")
            % {"date": session.held_on.isoformat()},
            code="state",
        )


@transaction.atomic
def session_add_proposal(*, session: CommitteeSession, proposal: Any, actor: Any) -> AgendaItem:
    """Put an officer's proposal on the agenda (the dossier must be "proposed")."""
    require_role(actor, Role.COMMITTEE, Role.OFFICER)
    session = CommitteeSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    figures = proposal_figures(proposal)
    application = figures.application
    if application.state != ApplicationState.PROPOSED:
        raise AwardError(
            _("Le dossier %(ref)s n'est pas proposé à la Commission permanente.")
            % {"ref": application.reference},
            code="state",
        )
    if AgendaItem.objects.filter(proposal=proposal).exclude(outcome=Outcome.ADJOURNED).exists():
        raise AwardError(
            _("Le dossier %(ref)s est déjà inscrit à une séance.") % {"ref": application.reference},
            code="duplicate",
        )
    item = AgendaItem.objects.create(
        session=session,
        position=_next_position(session),
        proposal=proposal,
        envelope=figures.envelope,
        beneficiary_name=application.company.name,
        dossier_reference=application.reference,
        proposed_total=figures.total,
        proposed_grant=figures.grant,
        proposed_advance=figures.advance,
        legal_basis=figures.legal_basis,
        recommendation=figures.recommendation,
    )
    event_record(
        action="agenda_add", actor=actor, item=item, session=session, to_state=item.outcome
    )
    return item


@transaction.atomic
def direct_propose(
    *,
    envelope: Envelope,
    beneficiary_name: str,
    beneficiary_siret: str,
    purpose: str,
    amount: Any,
    legal_basis: str,
    actor: Any,
    beneficiary_email: str = "",
    justification: str = "",
) -> DirectProposal:
    """An officer proposes an award to a named body, without a call nor a dossier."""
    require_role(actor, Role.OFFICER)
    errors: dict[str, list[str]] = {}
    siret = re.sub(r"\s", "", beneficiary_siret or "")
    if not stdnum_siret.is_valid(siret):
        errors["beneficiary_siret"] = [
            _("SIRET invalide : 14 chiffres dont la clé de contrôle (Luhn) est juste.")
        ]
    if not beneficiary_name.strip():
        errors["beneficiary_name"] = [_("Nommez le bénéficiaire.")]
    if not purpose.strip():
        errors["purpose"] = [_("Dites l'objet de l'aide.")]
    if legal_basis not in LegalBasis.values:
        errors["legal_basis"] = [_("Choisissez la base juridique dans la liste.")]
    try:
        value = parse_money(amount, "amount")
        if value <= 0:
            errors["amount"] = [_("Le montant doit être positif.")]
    except AwardError as exc:
        errors.update(exc.errors)
        value = ZERO
    if errors:
        raise AwardError(
            " ".join(m for ms in errors.values() for m in ms), code="invalid", errors=errors
        )
    direct = DirectProposal.objects.create(
        envelope=envelope,
        beneficiary_name=beneficiary_name.strip()[:255],
        beneficiary_siret=siret,
        beneficiary_email=beneficiary_email.strip(),
        purpose=purpose.strip()[:256],
        amount=value,
        legal_basis=legal_basis,
        justification=justification.strip(),
        officer=actor,
    )
    return direct


@transaction.atomic
def session_add_direct(
    *, session: CommitteeSession, direct: DirectProposal, actor: Any
) -> AgendaItem:
    require_role(actor, Role.COMMITTEE, Role.OFFICER)
    session = CommitteeSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    if AgendaItem.objects.filter(direct=direct).exclude(outcome=Outcome.ADJOURNED).exists():
        raise AwardError(_("Cette proposition est déjà inscrite ou décidée."), code="duplicate")
    item = AgendaItem.objects.create(
        session=session,
        position=_next_position(session),
        direct=direct,
        envelope=direct.envelope,
        beneficiary_name=direct.beneficiary_name,
        proposed_total=direct.amount,
        proposed_grant=direct.amount,
        proposed_advance=ZERO,
        legal_basis=direct.legal_basis,
    )
    event_record(
        action="agenda_add", actor=actor, item=item, session=session, to_state=item.outcome
    )
    return item


def _check_not_conflicted(item: AgendaItem, actor: Any) -> None:
    """A member who declared a conflict of interest on the item takes no part in its
    decision (the decision records them in `abstentions`)."""
    if getattr(actor, "is_authenticated", False) and not can(actor, DECIDE, item):
        raise AwardError(
            _(
                "Vous avez déclaré un conflit d'intérêts sur le point %(n)s : vous ne prenez "
                "pas part à sa décision."
            )
            % {"n": item.position},
            code="forbidden",
        )


def _abstentions(item: AgendaItem) -> str:
    names = [
        conflict.member.get_full_name() or conflict.member.email
        for conflict in ItemConflict.objects.filter(item=item)
        .select_related("member")
        .order_by("declared_at", "pk")
    ]
    return ", ".join(names)


@transaction.atomic
def conflict_declare(*, item: AgendaItem, actor: Any, reason: str = "") -> ItemConflict:
    """A committee member declares a conflict of interest on one item, before its
    decision: they are then left out of it and no longer reach its dossier."""
    require_role(actor, Role.COMMITTEE)
    item = _lock_item(item)
    conflict, _created = ItemConflict.objects.get_or_create(
        item=item, member=acting_user(actor), defaults={"reason": reason.strip()}
    )
    forget(actor)
    event_record(action="conflict", actor=actor, item=item, reason=reason.strip())
    return conflict


def _lock_item(item: AgendaItem) -> AgendaItem:
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("session", "envelope", "direct")
        .get(pk=item.pk)
    )
    if item.outcome != Outcome.PENDING:
        raise AwardError(
            _("Le point %(n)s (%(name)s) a déjà été décidé : %(outcome)s.")
            % {
                "n": item.position,
                "name": item.beneficiary_name,
                "outcome": item.get_outcome_display(),
            },
            code="state",
        )
    _check_open(item.session)
    return item


def _deliberation(item: AgendaItem, reference: str) -> str:
    reference = (reference or "").strip() or f"{item.session.deliberation_prefix}/{item.position}"
    taken = AgendaItem.objects.filter(deliberation_reference=reference).exclude(pk=item.pk)
    if taken.exists():
        raise AwardError(
            _("La délibération %(ref)s est déjà utilisée.") % {"ref": reference},
            code="invalid",
            errors={"deliberation_reference": [_("Référence déjà utilisée.")]},
        )
    return reference


def _approve(
    item: AgendaItem,
    *,
    actor: Any,
    grant: Any,
    advance: Any,
    decided_on: date,
    deliberation_reference: str,
    reason: str,
    terms: schedules.RepaymentTerms | None = None,
) -> Award:
    """Decide, commit and create the award, inside the caller's transaction."""
    item = _lock_item(item)
    _check_not_conflicted(item, actor)
    grant_v = item.proposed_grant if grant in (None, "") else parse_money(grant, "grant")
    advance_v = item.proposed_advance if advance in (None, "") else parse_money(advance, "advance")
    errors: dict[str, list[str]] = {}
    if grant_v > item.proposed_grant:
        errors["grant"] = [
            _("La subvention accordée (%(a)s) dépasse la proposition (%(p)s).")
            % {"a": format_eur(grant_v), "p": format_eur(item.proposed_grant)}
        ]
    if advance_v > item.proposed_advance:
        errors["advance"] = [
            _("L'avance accordée (%(a)s) dépasse la proposition (%(p)s).")
            % {"a": format_eur(advance_v), "p": format_eur(item.proposed_advance)}
        ]
    if grant_v + advance_v <= 0:
        errors["grant"] = [_("Une aide accordée a un montant positif ; sinon, refusez.")]
    if not item.legal_basis:
        errors["grant"] = [
            _(
                "La proposition ne porte pas de base juridique (avis défavorable) : "
                "refusez ou ajournez."
            )
        ]
    if errors:
        raise AwardError(
            " ".join(m for ms in errors.values() for m in ms), code="invalid", errors=errors
        )
    deliberation = _deliberation(item, deliberation_reference)
    application = None
    if item.proposal_id is not None:
        application = Application.objects.select_for_update().get(
            pk=proposal_figures(item.proposal).application.pk
        )
        try:
            dossier_workflow.approve(application, actor=actor, reason=deliberation)
        except WorkflowError as exc:
            raise workflow_refusal(exc) from None
    else:
        require_role(actor, Role.COMMITTEE)
    total = grant_v + advance_v
    subject = item.dossier_reference or (item.direct.beneficiary_siret if item.direct else "")
    try:
        commitment = ledger_commit(
            envelope=item.envelope,
            amount=total,
            budget_year=decided_on.year,
            on=decided_on,
            reference=f"{deliberation} {subject}".strip(),
            reason=_("Aide accordée à %(name)s par la Commission permanente")
            % {"name": item.beneficiary_name},
            actor=acting_user(actor),
            actor_label="" if acting_user(actor) else "awards",
        )
    except LedgerError as exc:
        raise ledger_refusal(exc) from None
    item.outcome = Outcome.APPROVED
    item.abstentions = _abstentions(item)
    item.approved_grant = grant_v
    item.approved_advance = advance_v
    item.deliberation_reference = deliberation
    item.decided_on = decided_on
    item.decided_by = acting_user(actor)
    item.decided_at = now()
    item.reason = reason.strip()
    item.save()
    record = rules_record.for_item(
        item, application=application, advance=advance_v, on=decided_on, terms=terms
    )
    direct = item.direct
    award = Award.objects.create(
        reference=award_reference(deliberation),
        item=item,
        application=application,
        direct=direct,
        company=application.company if application else None,
        beneficiary_name=item.beneficiary_name,
        beneficiary_siret=(
            application.company.head_office_siret if application else direct.beneficiary_siret
        ),
        beneficiary_email=direct.beneficiary_email if direct else "",
        purpose=record.purpose,
        scheme_code=application.scheme_code if application else "",
        envelope=item.envelope,
        budget_year=decided_on.year,
        commitment=commitment,
        total=total,
        grant=grant_v,
        advance=advance_v,
        advance_gge=record.advance_gge,
        total_gge=grant_v + record.advance_gge,
        legal_basis=item.legal_basis,
        legal_basis_text=record.legal_basis_text,
        de_minimis_amount=(
            grant_v + record.advance_gge if item.legal_basis == LegalBasis.DE_MINIMIS else ZERO
        ),
        rules=record.rules,
        deferral_periods=record.terms.deferral_periods if record.terms else 0,
        n_instalments=record.terms.n_instalments if record.terms else 1,
        frequency=record.terms.frequency if record.terms else "quarterly",
        forgiveness_share=(
            record.terms.forgiveness_share_on_failure if record.terms else Decimal(0)
        ),
        on_signature_share=Decimal(str(settings.PLANIA_AWARDS_ON_SIGNATURE_SHARE)),
        deliberation_reference=deliberation,
        decided_on=decided_on,
    )
    schedule_create(award)
    event_record(
        action="approve",
        actor=actor,
        item=item,
        award=award,
        from_state=Outcome.PENDING,
        to_state=Outcome.APPROVED,
        reason=deliberation,
    )
    transaction.on_commit(lambda: emails.decision_send(item.pk))
    return award


@transaction.atomic
def decision_approve(
    *,
    item: AgendaItem,
    actor: Any,
    grant: Any = None,
    advance: Any = None,
    decided_on: date | None = None,
    deliberation_reference: str = "",
    reason: str = "",
    terms: schedules.RepaymentTerms | None = None,
) -> Award:
    """Approve one proposal (amounts possibly lowered, never raised): the award, its
    ledger commitment and the dossier's transition, in one transaction.

    `terms`: repayment terms of the advance set by the deliberation itself (e.g. a
    shorter deferral agreed with the company); by default the scheme version's, read on
    the proposal's rules date. Either way the award records the terms it was decided
    with, and its grant equivalent is computed on them."""
    require_role(actor, Role.COMMITTEE)
    return _approve(
        item,
        actor=actor,
        grant=grant,
        advance=advance,
        decided_on=decided_on or item.session.held_on,
        deliberation_reference=deliberation_reference,
        reason=reason,
        terms=terms,
    )


@transaction.atomic
def decision_reject(
    *,
    item: AgendaItem,
    actor: Any,
    reason: str,
    decided_on: date | None = None,
    deliberation_reference: str = "",
) -> AgendaItem:
    require_role(actor, Role.COMMITTEE)
    item = _lock_item(item)
    _check_not_conflicted(item, actor)
    if not reason.strip():
        message = _("Un refus est motivé : donnez le motif.")
        raise AwardError(message, code="invalid", errors={"reason": [message]})
    deliberation = _deliberation(item, deliberation_reference)
    if item.proposal_id is not None:
        application = Application.objects.select_for_update().get(
            pk=proposal_figures(item.proposal).application.pk
        )
        try:
            dossier_workflow.reject(application, actor=actor, reason=reason.strip())
        except WorkflowError as exc:
            raise workflow_refusal(exc) from None
    item.outcome = Outcome.REJECTED
    item.abstentions = _abstentions(item)
    item.reason = reason.strip()
    item.deliberation_reference = deliberation
    item.decided_on = decided_on or item.session.held_on
    item.decided_by = acting_user(actor)
    item.decided_at = now()
    item.save()
    event_record(
        action="reject",
        actor=actor,
        item=item,
        from_state=Outcome.PENDING,
        to_state=Outcome.REJECTED,
        reason=item.reason,
    )
    transaction.on_commit(lambda: emails.decision_send(item.pk))
    return item


@transaction.atomic
def decision_adjourn(*, item: AgendaItem, actor: Any, reason: str = "") -> AgendaItem:
    """Adjourn: no decision today. The dossier stays "proposed" (the workflow table has
    no state for it) and may be put on a later session's agenda."""
    require_role(actor, Role.COMMITTEE)
    item = _lock_item(item)
    _check_not_conflicted(item, actor)
    item.outcome = Outcome.ADJOURNED
    item.abstentions = _abstentions(item)
    item.reason = reason.strip()
    item.decided_on = item.session.held_on
    item.decided_by = acting_user(actor)
    item.decided_at = now()
    item.save()
    event_record(
        action="adjourn",
        actor=actor,
        item=item,
        from_state=Outcome.PENDING,
        to_state=Outcome.ADJOURNED,
        reason=item.reason,
    )
    return item


@transaction.atomic
def session_approve_all(
    *, session: CommitteeSession, actor: Any, decided_on: date | None = None
) -> list[Award]:
    """Approve every pending proposal of the session as proposed, all or nothing.

    When the envelopes cannot cover the batch, nothing is written and the AwardError
    ("overflow") lists, in agenda order, the proposals that do not fit and by how much.
    """
    require_role(actor, Role.COMMITTEE)
    session = CommitteeSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    items = list(
        session.items.filter(outcome=Outcome.PENDING)
        .select_related("envelope", "session", "direct")
        .order_by("position")
    )
    if not items:
        raise AwardError(_("Aucune proposition à décider dans cette séance."), code="state")
    conflicted = [item.position for item in items if not can(actor, DECIDE, item)]
    if conflicted:
        raise AwardError(
            _(
                "Vous avez déclaré un conflit d'intérêts sur le(s) point(s) %(n)s : décidez "
                "les autres points un à un."
            )
            % {"n": ", ".join(str(n) for n in conflicted)},
            code="forbidden",
        )
    shortfalls = batch_shortfalls(items)
    if shortfalls:
        raise AwardError(shortfall_message(shortfalls), code="overflow", shortfalls=shortfalls)
    day = decided_on or session.held_on
    return [
        _approve(
            item,
            actor=actor,
            grant=None,
            advance=None,
            decided_on=day,
            deliberation_reference="",
            reason="",
        )
        for item in items
    ]


@transaction.atomic
def session_close(*, session: CommitteeSession, actor: Any) -> CommitteeSession:
    require_role(actor, Role.COMMITTEE)
    session = CommitteeSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    pending = session.items.filter(outcome=Outcome.PENDING).count()
    if pending:
        raise AwardError(
            _("%(n)s point(s) restent à décider : décidez-les ou ajournez-les d'abord.")
            % {"n": pending},
            code="state",
        )
    session.state = SessionState.HELD
    session.save(update_fields=["state"])
    event_record(
        action="session_close",
        actor=actor,
        session=session,
        from_state=SessionState.PLANNED,
        to_state=SessionState.HELD,
    )
    return session
