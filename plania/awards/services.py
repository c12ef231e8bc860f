"""Writes of the awards room: committee sessions and decisions, awards and agreements,
payments, repayments, failure findings, closing, direct awards.

Keyword-only, one transaction each, the acting user passed in (CONVENTIONS.md). Every
euro moves through plania.ledger.services (each runs in its own atomic block, nested in
ours: a refusal rolls back the whole step). A refusal is an `AwardError` whose message is
for the person (French msgid, translated). Mails leave after commit (plania.awards.emails).

Rows that change (an agenda item, an award, a payment request) are locked first
(select_for_update) and their state read again under the lock, so that a double click or
two people at once make one decision, one payment, one repayment.
"""

import csv
import hashlib
import io
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from stdnum.fr import siret as stdnum_siret

from plania.accounts.access import has_role
from plania.accounts.roles import Role
from plania.applications import workflow as dossier_workflow
from plania.applications.enums import ApplicationState
from plania.applications.models import Application
from plania.applications.workflow import WorkflowError
from plania.awards import emails, rules_record
from plania.awards import workflow as award_workflow
from plania.awards.enums import (
    AwardState,
    DocumentKind,
    LegalBasis,
    LineStatus,
    Outcome,
    RepaymentSource,
    RequestState,
    ScheduleKind,
    SessionState,
    SignatureMethod,
)
from plania.awards.models import (
    AgendaItem,
    Agreement,
    Award,
    AwardDocument,
    AwardEvent,
    BankStatementImport,
    BankStatementLine,
    CommitteeSession,
    DirectProposal,
    FailureFinding,
    Instalment,
    Payment,
    PaymentRequest,
    Repayment,
    ScheduledPayment,
)
from plania.awards.proposals import proposal_figures
from plania.awards.selectors import (
    advance_paid,
    award_sums,
    coverage,
    open_requests_total,
    repaid_total,
)
from plania.companies.enums import MembershipStatus
from plania.core.formats import format_eur
from plania.documents.services import DocumentError, files_check
from plania.documents.storage import private_storage
from plania.ledger.selectors import EnvelopeTree
from plania.ledger.services import (
    LedgerError,
    ledger_commit,
    ledger_decommit,
    ledger_pay,
    ledger_repay,
)
from plania.plans.models import Envelope
from plania.rules import schedules
from plania.rules.money import from_cents, round_cent, to_cents

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class AwardError(Exception):
    """A refusal. `code`: invalid, forbidden, state, overflow, ledger, config, duplicate."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        errors: dict[str, list[str]] | None = None,
        shortfalls: Sequence["Shortfall"] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = errors or {}
        self.shortfalls = list(shortfalls)


# -- Helpers ---------------------------------------------------------------------------


def _now() -> Any:
    return timezone.now()


def _today() -> date:
    return timezone.localdate()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(*, action: str, actor: Any, reason: str = "", **subjects: Any) -> AwardEvent:
    return AwardEvent.objects.create(
        action=action,
        actor=_user(actor),
        at=_now(),
        reason=reason,
        from_state=subjects.pop("from_state", ""),
        to_state=subjects.pop("to_state", ""),
        **subjects,
    )


def is_officer(actor: Any) -> bool:
    return dossier_workflow.is_officer(actor)


def _require(actor: Any, *roles: str) -> None:
    for role in roles:
        if role == Role.OFFICER and is_officer(actor):
            return
        if has_role(actor, role):
            return
    raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")


def is_beneficiary(actor: Any, award: Award) -> bool:
    if award.company_id is None or not getattr(actor, "is_authenticated", False):
        return False
    return actor.memberships.filter(
        company_id=award.company_id, status=MembershipStatus.ACTIVE
    ).exists()


def _money(value: Any, field_name: str) -> Decimal:
    if isinstance(value, float):
        raise AwardError(_("Montant en nombre flottant refusé."), code="invalid")
    try:
        amount = Decimal(
            str(value).strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
        )
    except (InvalidOperation, ValueError) as exc:
        message = _("Montant illisible : « %(value)s ».") % {"value": value}
        raise AwardError(message, code="invalid", errors={field_name: [message]}) from exc
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount < 0:
        message = _("Montant invalide : %(value)s (positif, au plus deux décimales).") % {
            "value": value
        }
        raise AwardError(message, code="invalid", errors={field_name: [message]})
    return amount.quantize(CENT)


def _lock_award(award: Award) -> Award:
    return (
        Award.objects.select_for_update(of=("self",))
        .select_related("commitment", "envelope")
        .get(pk=award.pk)
    )


def _ledger_refusal(exc: LedgerError) -> AwardError:
    return AwardError(str(exc), code="ledger")


def _workflow_refusal(exc: WorkflowError) -> AwardError:
    return AwardError(exc.message, code=exc.code)


# -- Committee sessions ----------------------------------------------------------------


@transaction.atomic
def session_create(
    *, held_on: date, title: str, deliberation_prefix: str, actor: Any
) -> CommitteeSession:
    _require(actor, Role.COMMITTEE)
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
    _event(action="session_create", actor=actor, session=session, to_state=session.state)
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
    _require(actor, Role.COMMITTEE, Role.OFFICER)
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
    _event(action="agenda_add", actor=actor, item=item, session=session, to_state=item.outcome)
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
    _require(actor, Role.OFFICER)
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
        value = _money(amount, "amount")
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
    _require(actor, Role.COMMITTEE, Role.OFFICER)
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
    _event(action="agenda_add", actor=actor, item=item, session=session, to_state=item.outcome)
    return item


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


def award_reference(deliberation: str) -> str:
    """ "CP/2025-06/12" -> "AID-CP-2025-06-12" (unique as the deliberation is)."""
    return "AID-" + slugify(deliberation.replace("/", "-")).upper()


def _schedule_lines(award: Award) -> None:
    first = round_cent(award.total * award.on_signature_share)
    lines = [
        (ScheduleKind.ON_SIGNATURE, first),
        (ScheduleKind.ON_FINAL_REPORT, award.total - first),
    ]
    position = 0
    for kind, amount in lines:
        if amount > 0:
            position += 1
            ScheduledPayment.objects.create(
                award=award, position=position, kind=kind, amount=amount
            )


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
    grant_v = item.proposed_grant if grant in (None, "") else _money(grant, "grant")
    advance_v = item.proposed_advance if advance in (None, "") else _money(advance, "advance")
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
            raise _workflow_refusal(exc) from None
    else:
        _require(actor, Role.COMMITTEE)
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
            actor=_user(actor),
            actor_label="" if _user(actor) else "awards",
        )
    except LedgerError as exc:
        raise _ledger_refusal(exc) from None
    item.outcome = Outcome.APPROVED
    item.approved_grant = grant_v
    item.approved_advance = advance_v
    item.deliberation_reference = deliberation
    item.decided_on = decided_on
    item.decided_by = _user(actor)
    item.decided_at = _now()
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
    _schedule_lines(award)
    _event(
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
    _require(actor, Role.COMMITTEE)
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
    _require(actor, Role.COMMITTEE)
    item = _lock_item(item)
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
            raise _workflow_refusal(exc) from None
    item.outcome = Outcome.REJECTED
    item.reason = reason.strip()
    item.deliberation_reference = deliberation
    item.decided_on = decided_on or item.session.held_on
    item.decided_by = _user(actor)
    item.decided_at = _now()
    item.save()
    _event(
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
    _require(actor, Role.COMMITTEE)
    item = _lock_item(item)
    item.outcome = Outcome.ADJOURNED
    item.reason = reason.strip()
    item.decided_on = item.session.held_on
    item.decided_by = _user(actor)
    item.decided_at = _now()
    item.save()
    _event(
        action="adjourn",
        actor=actor,
        item=item,
        from_state=Outcome.PENDING,
        to_state=Outcome.ADJOURNED,
        reason=item.reason,
    )
    return item


@dataclass(frozen=True)
class Shortfall:
    """A proposal of an "approve all" that the envelope cannot cover, and by how much."""

    item: AgendaItem
    envelope: Envelope
    available: Decimal  # what the limiting envelope has before the batch
    cumulative: Decimal  # what the batch asks of it up to and including this item
    short_by: Decimal


def batch_shortfalls(items: Sequence[AgendaItem]) -> list[Shortfall]:
    """Walk the items in agenda order, adding each amount to every envelope above it;
    an item that takes an envelope past what it has available is short by the part past
    it (at most its own amount). The shortfalls sum to the batch's overflow."""
    trees: dict[int, EnvelopeTree] = {}
    running: dict[int, Decimal] = {}
    out: list[Shortfall] = []
    for item in items:
        envelope = item.envelope
        tree = trees.get(envelope.plan_id)
        if tree is None:
            tree = trees[envelope.plan_id] = EnvelopeTree(
                Envelope.objects.filter(plan_id=envelope.plan_id)
            )
        amount = item.proposed_total
        worst: tuple[Decimal, int, Decimal, Decimal] | None = None
        for pk in tree.chain(envelope.pk):
            headroom = tree.headroom(pk)
            if headroom is None:
                continue
            cumulative = running.get(pk, ZERO) + amount
            running[pk] = cumulative
            over = min(amount, cumulative - headroom)
            if over > 0 and (worst is None or over > worst[0]):
                worst = (over, pk, headroom, cumulative)
        if worst is not None:
            over, pk, headroom, cumulative = worst
            limiting = envelope if pk == envelope.pk else Envelope.objects.get(pk=pk)
            out.append(Shortfall(item, limiting, max(headroom, ZERO), cumulative, over))
    return out


def shortfall_message(shortfalls: Sequence[Shortfall]) -> str:
    parts = [
        _("point %(n)s, %(name)s%(ref)s : %(amount)s, manque %(short)s sur « %(envelope)s »")
        % {
            "n": s.item.position,
            "name": s.item.beneficiary_name,
            "ref": f" ({s.item.dossier_reference})" if s.item.dossier_reference else "",
            "amount": format_eur(s.item.proposed_total),
            "short": format_eur(s.short_by),
            "envelope": s.envelope.name,
        }
        for s in shortfalls
    ]
    total = sum((s.short_by for s in shortfalls), ZERO)
    return _(
        "Rien n'a été accordé : l'enveloppe ne couvre pas l'ensemble des propositions "
        "(il manque %(total)s). Propositions qui ne tiennent pas, dans l'ordre du jour : "
        "%(list)s."
    ) % {"total": format_eur(total), "list": " ; ".join(parts)}


@transaction.atomic
def session_approve_all(
    *, session: CommitteeSession, actor: Any, decided_on: date | None = None
) -> list[Award]:
    """Approve every pending proposal of the session as proposed, all or nothing.

    When the envelopes cannot cover the batch, nothing is written and the AwardError
    ("overflow") lists, in agenda order, the proposals that do not fit and by how much.
    """
    _require(actor, Role.COMMITTEE)
    session = CommitteeSession.objects.select_for_update().get(pk=session.pk)
    _check_open(session)
    items = list(
        session.items.filter(outcome=Outcome.PENDING)
        .select_related("envelope", "session", "direct")
        .order_by("position")
    )
    if not items:
        raise AwardError(_("Aucune proposition à décider dans cette séance."), code="state")
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
    _require(actor, Role.COMMITTEE)
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
    _event(
        action="session_close",
        actor=actor,
        session=session,
        from_state=SessionState.PLANNED,
        to_state=SessionState.HELD,
    )
    return session


# -- Agreement -------------------------------------------------------------------------


def _store_bytes(data: bytes, prefix: str) -> str:
    name = f"awards/{prefix}-{secrets.token_hex(16)}"
    return private_storage().save(name, ContentFile(data, name=name))


@transaction.atomic
def agreement_generate(*, award: Award, actor: Any) -> Agreement:
    """The agreement's PDF, generated once from the template and kept as generated."""
    from plania.awards.agreement import render_agreement_pdf

    award = _lock_award(award)
    existing = Agreement.objects.filter(award=award).first()
    if existing is not None:
        return existing
    data = render_agreement_pdf(award)
    stored = _store_bytes(data, "agreement")
    try:
        agreement = Agreement.objects.create(
            award=award,
            stored_name=stored,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            generated_at=_now(),
        )
    except BaseException:
        private_storage().delete(stored)
        raise
    _event(action="agreement_generate", actor=actor, award=award)
    return agreement


def _sign(award: Award, agreement: Agreement, *, actor: Any, method: str, signer: str) -> None:
    try:
        award_workflow.fire(
            award, "sign_agreement", actor=actor, reason=str(SignatureMethod(method).label)
        )
    except WorkflowError as exc:
        raise _workflow_refusal(exc) from None
    agreement.signed_at = _now()
    agreement.signed_by = _user(actor)
    agreement.signer_name = signer.strip()[:200]
    agreement.signature_method = method
    agreement.save()
    transaction.on_commit(lambda: emails.agreement_signed_send(award.pk))


@transaction.atomic
def agreement_accept(*, award: Award, actor: Any, signer_name: str, sha256: str = "") -> Agreement:
    """In-app acceptance by a member of the beneficiary company: timestamp and signer,
    and the SHA-256 of the PDF they were shown (a stale page cannot sign another text)."""
    award = _lock_award(award)
    if not is_beneficiary(actor, award):
        raise AwardError(
            _("Seul un membre de l'entreprise bénéficiaire peut accepter la convention."),
            code="forbidden",
        )
    agreement = Agreement.objects.select_for_update().filter(award=award).first()
    if agreement is None:
        agreement = agreement_generate(award=award, actor=actor)
    if agreement.signed_at is not None:
        raise AwardError(_("La convention est déjà signée."), code="state")
    if sha256 and sha256 != agreement.sha256:
        raise AwardError(
            _("La convention a changé depuis l'affichage de la page : relisez-la."), code="stale"
        )
    if not signer_name.strip():
        message = _("Indiquez vos nom et qualité de signataire.")
        raise AwardError(message, code="invalid", errors={"signer_name": [message]})
    _sign(award, agreement, actor=actor, method=SignatureMethod.IN_APP, signer=signer_name)
    return agreement


def _checked_files(files: Iterable[Any], *, pdf_only: bool = False) -> list[Any]:
    try:
        checked = files_check(list(files))
    except DocumentError as exc:
        raise AwardError(exc.message, code="invalid", errors={"file": exc.messages}) from None
    if pdf_only:
        for item in checked:
            if item.detected.mime != "application/pdf":
                message = _(
                    "« %(name)s » n'est pas un PDF : déposez la convention signée en PDF."
                ) % {"name": item.display_name}
                raise AwardError(message, code="invalid", errors={"file": [message]})
    return checked


def _documents_create(
    award: Award, checked: Sequence[Any], *, kind: str, actor: Any, request: Any = None
) -> list[AwardDocument]:
    stored: list[str] = []
    created: list[AwardDocument] = []
    try:
        for item in checked:
            item.uploaded_file.seek(0)
            name = _store_bytes(item.uploaded_file.read(), kind)
            stored.append(name)
            created.append(
                AwardDocument.objects.create(
                    award=award,
                    payment_request=request,
                    kind=kind,
                    original_name=item.display_name,
                    stored_name=name,
                    content_type=item.detected.mime,
                    size=item.size,
                    sha256=item.sha256,
                    uploaded_by=actor,
                    uploaded_at=_now(),
                )
            )
    except BaseException:
        for name in stored:
            private_storage().delete(name)
        raise
    return created


def agreement_upload_signed(
    *, award: Award, actor: Any, uploaded_file: Any, signer_name: str = ""
) -> Agreement:
    """The agreement signed on paper or with a signature tool, uploaded as a PDF (checked
    like any upload), by a member of the company or an officer."""
    if not (is_beneficiary(actor, award) or is_officer(actor)):
        raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")
    checked = _checked_files([uploaded_file], pdf_only=True)
    with transaction.atomic():
        award = _lock_award(award)
        agreement = Agreement.objects.select_for_update().filter(award=award).first()
        if agreement is None:
            agreement = agreement_generate(award=award, actor=actor)
        if agreement.signed_at is not None:
            raise AwardError(_("La convention est déjà signée."), code="state")
        (document,) = _documents_create(
            award, checked, kind=DocumentKind.SIGNED_AGREEMENT, actor=actor
        )
        agreement.signed_document = document
        _sign(
            award,
            agreement,
            actor=actor,
            method=SignatureMethod.UPLOAD,
            signer=signer_name or actor.get_full_name() or actor.email,
        )
    return agreement


@transaction.atomic
def agreement_waive(*, award: Award, actor: Any) -> Agreement | None:
    """At most EUR 23,000 an agreement is not compulsory (décret 2001-495): an officer
    records that the notified decision stands for it, and payments may start."""
    _require(actor, Role.OFFICER)
    award = _lock_award(award)
    if award.agreement_required:
        raise AwardError(
            _("Au-delà de %(t)s, une convention écrite est obligatoire (décret 2001-495).")
            % {"t": format_eur(settings.PLANIA_AGREEMENT_THRESHOLD)},
            code="invalid",
        )
    agreement = Agreement.objects.filter(award=award).first() or agreement_generate(
        award=award, actor=actor
    )
    if agreement.signed_at is not None:
        raise AwardError(_("La convention est déjà signée."), code="state")
    _sign(
        award,
        agreement,
        actor=actor,
        method=SignatureMethod.NOT_REQUIRED,
        signer=actor.get_full_name() or actor.email,
    )
    return agreement


# -- Payments --------------------------------------------------------------------------


def _no_failure(award: Award) -> None:
    if FailureFinding.objects.filter(award=award).exists():
        raise AwardError(
            _("Un constat d'échec a été prononcé : plus aucun versement n'est possible."),
            code="state",
        )


def payment_request_create(
    *,
    award: Award,
    actor: Any,
    amount: Any,
    line: ScheduledPayment | None = None,
    note: str = "",
    files: Sequence[Any] = (),
) -> PaymentRequest:
    """The beneficiary (or an officer, for a direct award) asks for a payment, with its
    supporting documents. Never more than what is committed and not yet paid or asked."""
    if not (is_beneficiary(actor, award) or is_officer(actor)):
        raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")
    value = _money(amount, "amount")
    checked = _checked_files(files) if files else []
    with transaction.atomic():
        award = _lock_award(award)
        _no_failure(award)
        if award.state not in (AwardState.AGREEMENT_SIGNED, AwardState.IN_PAYMENT):
            raise AwardError(
                _("Un versement se demande une fois la convention signée."), code="state"
            )
        if line is not None and line.award_id != award.pk:
            raise AwardError(_("Cette échéance n'est pas celle de l'aide."), code="invalid")
        if line is not None and line.kind == ScheduleKind.ON_FINAL_REPORT:
            if not award.documents.filter(kind=DocumentKind.FINAL_REPORT).exists():
                message = _("Le solde se demande sur le rapport final : déposez-le d'abord.")
                raise AwardError(message, code="invalid", errors={"amount": [message]})
        sums = award_sums(award)
        room = sums.committed - sums.paid - open_requests_total(award)
        if value <= 0 or value > room:
            message = _(
                "Montant demandé %(asked)s : au plus %(room)s peuvent encore être demandés sur "
                "cette aide."
            ) % {"asked": format_eur(value), "room": format_eur(max(room, ZERO))}
            raise AwardError(message, code="invalid", errors={"amount": [message]})
        request = PaymentRequest.objects.create(
            award=award,
            line=line,
            amount=value,
            note=note.strip(),
            requested_by=actor,
            requested_at=_now(),
        )
        _documents_create(
            award, checked, kind=DocumentKind.SUPPORTING, actor=actor, request=request
        )
        _event(
            action="payment_request",
            actor=actor,
            award=award,
            payment_request=request,
            to_state=request.state,
        )
        transaction.on_commit(lambda: emails.payment_request_send(request.pk))
    return request


def _lock_request(request: PaymentRequest, state: str) -> PaymentRequest:
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != state:
        raise AwardError(
            _("Cette demande est à l'état « %(state)s ».")
            % {"state": RequestState(request.state).label},
            code="state",
        )
    return request


@transaction.atomic
def payment_request_certify(
    *, request: PaymentRequest, actor: Any, amount: Any = None
) -> PaymentRequest:
    """Liquidation: an officer certifies the service done and fixes the amount."""
    _require(actor, Role.OFFICER)
    request = _lock_request(request, RequestState.REQUESTED)
    value = request.amount if amount in (None, "") else _money(amount, "amount")
    if value <= 0 or value > request.amount:
        message = _("Le montant liquidé est positif et au plus celui demandé (%(a)s).") % {
            "a": format_eur(request.amount)
        }
        raise AwardError(message, code="invalid", errors={"amount": [message]})
    request.state = RequestState.CERTIFIED
    request.certified_amount = value
    request.certified_by = actor
    request.certified_at = _now()
    request.save()
    _event(
        action="certify",
        actor=actor,
        award=request.award,
        payment_request=request,
        from_state=RequestState.REQUESTED,
        to_state=RequestState.CERTIFIED,
        reason=format_eur(value),
    )
    transaction.on_commit(lambda: emails.payment_certified_send(request.pk))
    return request


@transaction.atomic
def payment_request_refuse(*, request: PaymentRequest, actor: Any, reason: str) -> PaymentRequest:
    _require(actor, Role.OFFICER, Role.FINANCE)
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.state not in (RequestState.REQUESTED, RequestState.CERTIFIED):
        raise AwardError(_("Cette demande ne peut plus être refusée."), code="state")
    if not reason.strip():
        message = _("Donnez le motif du refus.")
        raise AwardError(message, code="invalid", errors={"reason": [message]})
    from_state = request.state
    request.state = RequestState.REFUSED
    request.refusal_reason = reason.strip()
    request.save()
    _event(
        action="refuse",
        actor=actor,
        award=request.award,
        payment_request=request,
        from_state=from_state,
        to_state=RequestState.REFUSED,
        reason=request.refusal_reason,
    )
    return request


def _split(award: Award, paid_before: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
    """(grant part, advance part) of a payment: the advance is paid pro rata, computed on
    the cumulative amount so that the parts add up to the award's exactly when all is paid."""
    if award.advance == 0:
        return amount, ZERO

    def advance_at(paid: Decimal) -> Decimal:
        return (award.advance * paid / award.total).quantize(CENT, rounding=ROUND_HALF_UP)

    advance = advance_at(paid_before + amount) - advance_at(paid_before)
    advance = min(max(advance, ZERO), amount)
    return amount - advance, advance


@transaction.atomic
def payment_order(
    *, request: PaymentRequest, actor: Any, ordered_on: date | None = None
) -> Payment:
    """Mandatement: finance orders a certified payment; the ledger records the payment
    against the award's commitment and refuses anything above what is committed."""
    _require(actor, Role.FINANCE)
    request = _lock_request(request, RequestState.CERTIFIED)
    award = _lock_award(request.award)
    _no_failure(award)
    day = ordered_on or _today()
    amount = request.certified_amount
    assert amount is not None
    sums = award_sums(award)
    number = f"{award.reference}-M{award.payments.count() + 1}"
    try:
        entry = ledger_pay(
            commitment=award.commitment,
            amount=amount,
            budget_year=day.year,
            on=day,
            reference=number,
            reason=_("Mandat de l'aide %(ref)s à %(name)s")
            % {"ref": award.reference, "name": award.beneficiary_name},
            actor=actor,
        )
    except LedgerError as exc:
        raise _ledger_refusal(exc) from None
    grant_part, advance_part = _split(award, sums.paid, amount)
    payment = Payment.objects.create(
        award=award,
        request=request,
        number=number,
        amount=amount,
        grant_part=grant_part,
        advance_part=advance_part,
        ordered_on=day,
        budget_year=day.year,
        ledger_entry=entry,
        ordered_by=actor,
        ordered_at=_now(),
    )
    request.state = RequestState.ORDERED
    request.save(update_fields=["state"])
    _event(
        action="order",
        actor=actor,
        award=award,
        payment_request=request,
        from_state=RequestState.CERTIFIED,
        to_state=RequestState.ORDERED,
        reason=number,
    )
    if award.state == AwardState.AGREEMENT_SIGNED:
        try:
            award_workflow.fire(award, "start_payment", actor=actor, reason=number)
        except WorkflowError as exc:
            raise _workflow_refusal(exc) from None
    if award.advance > 0 and not award.instalments.exists():
        _instalments_create(award, start=day)
    transaction.on_commit(lambda: emails.payment_ordered_send(payment.pk))
    return payment


def payment_orders_csv(payments: Iterable[Payment]) -> str:
    """Payment orders for the accounting system: one line per mandat, ';'-separated,
    amounts with a decimal point (the usual import format of accounting software)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "numero_mandat",
            "date_mandat",
            "exercice",
            "reference_aide",
            "deliberation",
            "beneficiaire",
            "siret",
            "enveloppe",
            "montant",
            "dont_subvention",
            "dont_avance",
            "ecriture",
        ]
    )
    for p in payments:
        award = p.award
        writer.writerow(
            [
                p.number,
                p.ordered_on.isoformat(),
                p.budget_year,
                award.reference,
                award.deliberation_reference,
                award.beneficiary_name,
                award.beneficiary_siret,
                award.envelope.code,
                f"{p.amount:.2f}",
                f"{p.grant_part:.2f}",
                f"{p.advance_part:.2f}",
                p.ledger_entry_id,
            ]
        )
    return out.getvalue()


# -- Repayment schedule ----------------------------------------------------------------


def terms_of(award: Award) -> schedules.RepaymentTerms:
    return schedules.RepaymentTerms(
        deferral_periods=award.deferral_periods,
        n_instalments=award.n_instalments,
        frequency=award.frequency,  # type: ignore[arg-type]
        forgiveness_share_on_failure=award.forgiveness_share,
    )


def instalment_reference(award: Award, number: int) -> str:
    return f"{award.reference}-E{number:02d}"


def _instalments_create(award: Award, *, start: date) -> list[Instalment]:
    """The repayment schedule of the advance, from its first payment (rules core)."""
    lines = schedules.repayment_schedule(
        principal=award.advance, start=start, terms=terms_of(award)
    )
    return [
        Instalment.objects.create(
            award=award,
            number=line.number,
            due_on=line.due,
            amount=line.amount,
            reference=instalment_reference(award, line.number),
        )
        for line in lines
    ]


def _reschedule(award: Award, *, remaining: Decimal) -> None:
    """Re-establish what is still to be repaid (`remaining`) over the open due dates.

    Instalments fully covered by repayments stay; the open ones (the one partly covered,
    if any, and those not covered) are superseded by new lines on the same due dates,
    `remaining` split in equal cents, the first new line also carrying what was already
    repaid on the partly covered one, so that repayments keep applying in due order.
    """
    lines = list(award.instalments.filter(superseded=False).order_by("due_on", "number"))
    covered = coverage(lines, repaid_total(award))
    open_lines = [
        (line, paid) for line, paid in zip(lines, covered, strict=True) if paid < line.amount
    ]
    if not open_lines:
        return
    partly = sum((paid for _line, paid in open_lines), ZERO)
    for line, _paid in open_lines:
        line.superseded = True
        line.save(update_fields=["superseded"])
    due_dates = [line.due_on for line, _paid in open_lines]
    amounts = [
        from_cents(c) for c in schedules.split_equal_cents(to_cents(remaining), len(due_dates))
    ]
    amounts[0] += partly
    number = max(line.number for line in lines)
    for due, amount in zip(due_dates, amounts, strict=True):
        if amount <= 0:
            continue
        number += 1
        Instalment.objects.create(
            award=award,
            number=number,
            due_on=due,
            amount=amount,
            reference=instalment_reference(award, number),
        )


# -- Repayments ------------------------------------------------------------------------


def _record_repayment(
    award: Award,
    *,
    actor: Any,
    amount: Decimal,
    received_on: date,
    reference: str,
    source: str,
    instalment: Instalment | None = None,
    statement_line: BankStatementLine | None = None,
) -> Repayment:
    if award.advance == 0:
        raise AwardError(_("Cette aide n'a pas d'avance remboursable."), code="invalid")
    room = advance_paid(award) - repaid_total(award)
    if amount <= 0 or amount > room:
        raise AwardError(
            _(
                "Remboursement de %(amount)s refusé sur %(ref)s : il reste %(room)s de "
                "l'avance versée à rembourser."
            )
            % {"amount": format_eur(amount), "ref": award.reference, "room": format_eur(room)},
            code="invalid",
        )
    try:
        entry = ledger_repay(
            commitment=award.commitment,
            amount=amount,
            budget_year=received_on.year,
            on=received_on,
            reference=(reference or award.reference)[:200],
            reason=_("Remboursement de l'avance %(ref)s") % {"ref": award.reference},
            actor=actor,
        )
    except LedgerError as exc:
        raise _ledger_refusal(exc) from None
    repayment = Repayment.objects.create(
        award=award,
        instalment=instalment,
        amount=amount,
        received_on=received_on,
        reference=(reference or award.reference)[:200],
        source=source,
        statement_line=statement_line,
        ledger_entry=entry,
        recorded_by=actor,
        recorded_at=_now(),
    )
    _event(action="repayment", actor=actor, award=award, reason=f"{amount} {reference}".strip())
    return repayment


@transaction.atomic
def repayment_record(
    *, award: Award, actor: Any, amount: Any, received_on: date, reference: str = ""
) -> Repayment:
    """Record one repayment of an advance (finance)."""
    _require(actor, Role.FINANCE)
    award = _lock_award(award)
    instalment = (
        Instalment.objects.filter(
            award=award, superseded=False, reference=reference.strip()
        ).first()
        if reference
        else None
    )
    return _record_repayment(
        award,
        actor=actor,
        amount=_money(amount, "amount"),
        received_on=received_on,
        reference=reference.strip(),
        source=RepaymentSource.MANUAL,
        instalment=instalment,
    )


@dataclass
class StatementResult:
    statement: BankStatementImport
    lines: list[BankStatementLine] = field(default_factory=list)

    @property
    def unmatched(self) -> list[BankStatementLine]:
        return [line for line in self.lines if line.status != LineStatus.MATCHED]


_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"),
    re.compile(r"^(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})$"),
)


def _parse_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        match = pattern.match(text.strip())
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def _parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text or "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(CENT):
        return None
    return value.quantize(CENT)


def _normalise(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def _match(reference: str, label: str, awards: dict[str, Award]) -> Award | None:
    """The award whose reference the line quotes (in its reference, else its label); the
    longest wins, so that "AID-CP-2025-06-1" never takes "AID-CP-2025-06-12"'s money."""
    for text in (reference, label):
        haystack = _normalise(text)
        if not haystack:
            continue
        found = [(len(key), award) for key, award in awards.items() if key in haystack]
        if found:
            return max(found, key=lambda f: f[0])[1]
    return None


# Limits of one bank statement, checked before a byte is decoded (a month of the account's
# credits is a few hundred lines). The upload page refuses a larger file before reading it.
STATEMENT_MAX_BYTES_ENV = "PLANIA_STATEMENT_MAX_BYTES"
STATEMENT_MAX_BYTES = 5 * 1024 * 1024
STATEMENT_MAX_LINES_ENV = "PLANIA_STATEMENT_MAX_LINES"
STATEMENT_MAX_LINES = 20_000
STATEMENT_COLUMNS = ("date", "amount", "reference", "label")


def statement_limit(env: str, default: int) -> int:
    """A limit of the bank statement import, or its override from the environment."""
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ImproperlyConfigured(f"{env}={raw!r} is not a positive whole number")
    return int(raw)


def statement_check_size(*, file_name: str, size: int) -> None:
    """AwardError when a statement of `size` bytes is over the limit: the upload page and
    the API ask before reading the upload into memory."""
    max_bytes = statement_limit(STATEMENT_MAX_BYTES_ENV, STATEMENT_MAX_BYTES)
    if size > max_bytes:
        raise _statement_error(
            _(
                "Le relevé « %(file)s » pèse %(size)s, au-delà des %(max)s acceptés : "
                "importez-le en plusieurs fichiers, par exemple un par mois. Rien n'a été "
                "enregistré."
            ),
            file_name,
            size=filesizeformat(size),
            max=filesizeformat(max_bytes),
        )


@dataclass
class _StatementRow:
    line: int  # the file's line where the record ends (the header is line 1)
    fields: dict[str, str]
    unterminated: bool = False  # the file's last record, with no line break after it


def _statement_error(message: str, file_name: str, **values: Any) -> AwardError:
    return AwardError(message % {"file": file_name, **values}, code="invalid")


def _read_rows(content: bytes, file_name: str = "") -> list[_StatementRow]:
    """The statement's records, or an AwardError naming what makes the whole file unusable
    (and the line): too large, not UTF-8, no recognisable separator, a record whose number
    of fields differs from the header's (a wrong separator, or the file cut in the middle
    of its last line), a quoted field cut by the end of the file. All of it is read before
    anything is written, so a refused file leaves nothing behind."""
    max_lines = statement_limit(STATEMENT_MAX_LINES_ENV, STATEMENT_MAX_LINES)
    statement_check_size(file_name=file_name, size=len(content))
    # Counted on the bytes (C speed) before anything is decoded or parsed.
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    if lines - 1 > max_lines:
        raise _statement_error(
            _(
                "Le relevé « %(file)s » compte %(lines)s lignes, au-delà des %(max)s "
                "acceptées : importez-le en plusieurs fichiers, par exemple un par mois. "
                "Rien n'a été enregistré."
            ),
            file_name,
            lines=lines - 1,
            max=max_lines,
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _statement_error(
            _(
                "Le relevé « %(file)s » n'est pas en UTF-8 (ligne %(line)s, octet "
                "0x%(byte)s : sans doute un accent enregistré en Latin-1 ou Windows-1252). "
                "Enregistrez-le au format « CSV UTF-8 » puis importez-le à nouveau. Rien "
                "n'a été enregistré."
            ),
            file_name,
            line=content.count(b"\n", 0, exc.start) + 1,
            byte=f"{content[exc.start]:02X}",
        ) from exc
    if not text.strip():
        raise _statement_error(_("Le relevé « %(file)s » est vide."), file_name)
    header_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _statement_delimiter(header_line, file_name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[_StatementRow] = []
    try:
        names = [name.strip().lower() for name in next(reader)]
        for record in reader:
            if not record:
                continue  # a blank line
            if len(record) != len(names):
                line = reader.line_num
                if not text.endswith(("\n", "\r")) and next(reader, None) is None:
                    raise _truncated(file_name, line)
                raise _statement_error(
                    _(
                        "Ligne %(line)s du relevé « %(file)s » : %(found)s colonnes, alors "
                        "que l'en-tête en a %(expected)s. Vérifiez le séparateur : dans un "
                        "fichier séparé par des virgules, un montant « 5000,00 » non placé "
                        "entre guillemets compte pour deux colonnes. Rien n'a été enregistré."
                    ),
                    file_name,
                    line=line,
                    found=len(record),
                    expected=len(names),
                )
            rows.append(
                _StatementRow(
                    reader.line_num, {n: v.strip() for n, v in zip(names, record, strict=True)}
                )
            )
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _truncated(file_name, reader.line_num) from exc
        raise _statement_error(
            _(
                "Ligne %(line)s du relevé « %(file)s » illisible (%(error)s) : vérifiez les "
                "guillemets de cette ligne. Rien n'a été enregistré."
            ),
            file_name,
            line=reader.line_num,
            error=exc,
        ) from exc
    if rows and not text.endswith(("\n", "\r")):
        rows[-1].unterminated = True
    return rows


def _truncated(file_name: str, line: int) -> AwardError:
    return _statement_error(
        _(
            "Le relevé « %(file)s » s'arrête au milieu de la ligne %(line)s : il semble "
            "tronqué. Exportez-le à nouveau depuis la banque puis importez-le. Rien n'a été "
            "enregistré."
        ),
        file_name,
        line=line,
    )


def _statement_delimiter(header_line: str, file_name: str) -> str:
    """The separator that splits the header into its four names: the semicolon (French
    banks), the tab or the comma."""
    widest = ";"
    for delimiter in (";", "\t", ","):
        names = {n.strip().lower() for n in next(csv.reader([header_line], delimiter=delimiter))}
        if set(STATEMENT_COLUMNS) <= names:
            return delimiter
        if header_line.count(delimiter) > header_line.count(widest):
            widest = delimiter
    if header_line.count(widest) == 0:
        raise _statement_error(
            _(
                "La première ligne du relevé « %(file)s » (« %(header)s ») n'a qu'une "
                "colonne : séparez les colonnes date, amount, reference, label par des "
                "points-virgules, des tabulations ou des virgules. Rien n'a été enregistré."
            ),
            file_name,
            header=header_line[:80],
        )
    names = {n.strip().lower() for n in next(csv.reader([header_line], delimiter=widest))}
    missing = set(STATEMENT_COLUMNS) - names
    raise AwardError(
        _("Colonnes attendues : date, amount, reference, label (manquantes : %(m)s).")
        % {"m": ", ".join(sorted(missing))},
        code="invalid",
    )


def bank_statement_import(*, file_name: str, content: bytes, actor: Any) -> StatementResult:
    """Import a bank statement (CSV: date, amount, reference, label): each credit line
    quoting an award's (or an instalment's) reference becomes a repayment; the others are
    listed. A line already imported (same hash) is never recorded twice.

    All or nothing: the whole file is read and checked before anything is written
    (`_read_rows`), and the writes are one transaction. A file that cannot be used
    raises AwardError and leaves no statement, line, repayment nor ledger entry."""
    _require(actor, Role.FINANCE)
    rows = _read_rows(content, file_name)
    with transaction.atomic():
        statement = BankStatementImport.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            imported_by=actor,
            imported_at=_now(),
        )
        result = StatementResult(statement)
        awards = {
            _normalise(a.reference): a
            for a in Award.objects.filter(advance__gt=0).select_related("commitment")
        }
        instalments = {
            _normalise(i.reference): i for i in Instalment.objects.filter(superseded=False)
        }
        seen: dict[str, int] = {}
        for row in rows:
            key = "|".join(row.fields.get(k, "") for k in STATEMENT_COLUMNS)
            seen[key] = seen.get(key, 0) + 1
            line_hash = hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()
            line = BankStatementLine(
                statement=statement,
                line_number=row.line,
                value_date=_parse_date(row.fields.get("date", "")),
                amount=_parse_amount(row.fields.get("amount", "")),
                reference=row.fields.get("reference", "")[:200],
                label=row.fields.get("label", "")[:300],
                line_hash=line_hash,
            )
            if row.unterminated:
                # Its fields are all there, but the last one may be cut (a reference
                # "AID-CP-2025-06-12" cut to "...-06-1" would credit another award):
                # listed, never matched.
                line.status = LineStatus.REFUSED
                line.message = _(
                    "Dernière ligne du fichier, sans fin de ligne : le relevé est peut-être "
                    "tronqué. Vérifiez-la ; si elle est complète, enregistrez ce "
                    "remboursement à la main."
                )
                line.save()
            else:
                _process_line(line, awards=awards, instalments=instalments, actor=actor)
            result.lines.append(line)
        for status, attr in (
            (LineStatus.MATCHED, "matched"),
            (LineStatus.DUPLICATE, "duplicates"),
            (LineStatus.UNMATCHED, "unmatched"),
            (LineStatus.REFUSED, "refused"),
        ):
            setattr(statement, attr, sum(1 for line in result.lines if line.status == status))
        statement.lines_read = len(result.lines)
        statement.save()
    return result


def _process_line(
    line: BankStatementLine,
    *,
    awards: dict[str, Award],
    instalments: dict[str, Instalment],
    actor: Any,
) -> None:
    if BankStatementLine.objects.filter(
        line_hash=line.line_hash, status=LineStatus.MATCHED
    ).exists():
        line.status = LineStatus.DUPLICATE
        line.message = _("Ligne déjà importée : rien n'est enregistré une seconde fois.")
        line.save()
        return
    if line.value_date is None or line.amount is None:
        line.status = LineStatus.REFUSED
        line.message = _("Date ou montant illisible.")
        line.save()
        return
    if line.amount <= 0:
        line.status = LineStatus.UNMATCHED
        line.message = _("Débit ou montant nul : pas un remboursement.")
        line.save()
        return
    award = _match(line.reference, line.label, awards)
    if award is None:
        line.status = LineStatus.UNMATCHED
        line.message = _("Aucune référence d'aide reconnue dans la référence ni le libellé.")
        line.save()
        return
    instalment = _match(line.reference, line.label, instalments)  # type: ignore[arg-type]
    try:
        with transaction.atomic():
            line.status = LineStatus.MATCHED
            line.save()
            locked = _lock_award(award)
            _record_repayment(
                locked,
                actor=actor,
                amount=line.amount,
                received_on=line.value_date,
                reference=line.reference or line.label,
                source=RepaymentSource.BANK_STATEMENT,
                instalment=instalment if isinstance(instalment, Instalment) else None,
                statement_line=line,
            )
            line.message = award.reference
            line.save(update_fields=["message"])
    except IntegrityError:
        # A concurrent import recorded the same line first (the partial unique index).
        line.pk = None
        line.status = LineStatus.DUPLICATE
        line.message = _("Ligne déjà importée : rien n'est enregistré une seconde fois.")
        line.save()
    except AwardError as exc:
        line.pk = None
        line.status = LineStatus.REFUSED
        line.message = exc.message
        line.save()


# -- Failure finding and closing -------------------------------------------------------


@transaction.atomic
def failure_find(
    *, award: Award, actor: Any, reason: str, found_on: date | None = None
) -> FailureFinding:
    """A failure finding (constat d'échec) forgives the scheme's share of what remains to
    be repaid of the advance paid (plania.rules.schedules.failure_finding).

    Ledger (docs/awards.md): the part of the commitment not yet paid is released (one
    de-commitment: the project stops, nothing more will be paid); the forgiven part of the
    advance already paid writes no entry — that money stays "paid" and will simply never
    come back as a repayment; what is still due keeps coming back as repayments, over a
    re-established schedule.
    """
    _require(actor, Role.FINANCE, Role.COMMITTEE)
    award = _lock_award(award)
    if award.advance == 0:
        raise AwardError(_("Cette aide n'a pas d'avance remboursable."), code="invalid")
    if FailureFinding.objects.filter(award=award).exists():
        raise AwardError(_("Un constat d'échec a déjà été prononcé sur cette aide."), code="state")
    if not reason.strip():
        message = _("Motivez le constat d'échec.")
        raise AwardError(message, code="invalid", errors={"reason": [message]})
    day = found_on or _today()
    paid_advance = advance_paid(award)
    if paid_advance == 0:
        raise AwardError(
            _("Aucune avance n'a été versée : libérez l'engagement en clôturant l'aide."),
            code="state",
        )
    repaid = repaid_total(award)
    sums = award_sums(award)
    decommitment = None
    unpaid = sums.committed - sums.paid
    if unpaid > 0:
        try:
            decommitment = ledger_decommit(
                commitment=award.commitment,
                amount=unpaid,
                budget_year=day.year,
                on=day,
                reference=f"{award.reference}-ECHEC",
                reason=_("Constat d'échec : la part non versée de l'aide est dégagée."),
                actor=actor,
            )
        except LedgerError as exc:
            raise _ledger_refusal(exc) from None
    # The schedule follows the advance actually paid before the share is applied.
    if paid_advance != award.advance:
        _reschedule(award, remaining=paid_advance - repaid)
    lines = list(award.instalments.filter(superseded=False).order_by("due_on", "number"))
    outcome = schedules.failure_finding(
        schedule=[
            schedules.Instalment(number=i.number, due=i.due_on, amount=i.amount) for i in lines
        ],
        repaid_to_date=repaid,
        on=day,
        forgiveness_share=award.forgiveness_share,
    )
    finding = FailureFinding.objects.create(
        award=award,
        found_on=day,
        reason=reason.strip(),
        advance_paid=paid_advance,
        repaid_before=repaid,
        remaining_before=outcome.remaining_before,
        forgiveness_share=award.forgiveness_share,
        forgiven=outcome.forgiven,
        still_due=outcome.still_due,
        arrears=outcome.arrears,
        decommitment=decommitment,
        decided_by=actor,
        decided_at=_now(),
    )
    _reschedule(award, remaining=outcome.still_due)
    _event(
        action="failure_finding",
        actor=actor,
        award=award,
        reason=_("%(forgiven)s abandonnés, %(due)s restent dus. %(reason)s")
        % {
            "forgiven": format_eur(outcome.forgiven),
            "due": format_eur(outcome.still_due),
            "reason": finding.reason,
        },
    )
    transaction.on_commit(lambda: emails.failure_send(finding.pk))
    return finding


def final_report_submit(*, award: Award, actor: Any, uploaded_file: Any) -> AwardDocument:
    """The beneficiary's final report (a document), the condition of the balance."""
    if not (is_beneficiary(actor, award) or is_officer(actor)):
        raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")
    checked = _checked_files([uploaded_file])
    with transaction.atomic():
        award = _lock_award(award)
        if award.state not in (AwardState.AGREEMENT_SIGNED, AwardState.IN_PAYMENT):
            raise AwardError(
                _("Le rapport final se dépose une fois la convention signée."), code="state"
            )
        (document,) = _documents_create(award, checked, kind=DocumentKind.FINAL_REPORT, actor=actor)
        _event(action="final_report", actor=actor, award=award, reason=document.original_name)
        transaction.on_commit(lambda: emails.final_report_send(award.pk))
    return document


@transaction.atomic
def award_close(
    *, award: Award, actor: Any, closed_on: date | None = None, reason: str = ""
) -> Award:
    """Close the award: the unspent commitment (committed minus paid) is released by a
    de-commitment; a repayable advance paid in part is re-scheduled on what was paid."""
    _require(actor, Role.OFFICER, Role.FINANCE)
    award = _lock_award(award)
    failed = FailureFinding.objects.filter(award=award).exists()
    if not failed and not award.documents.filter(kind=DocumentKind.FINAL_REPORT).exists():
        raise AwardError(
            _("L'aide se clôture sur le rapport final du bénéficiaire : il n'a pas été déposé."),
            code="state",
        )
    open_requests = award.payment_requests.filter(
        state__in=[RequestState.REQUESTED, RequestState.CERTIFIED]
    ).count()
    if open_requests:
        raise AwardError(
            _("%(n)s demande(s) de versement restent à traiter.") % {"n": open_requests},
            code="state",
        )
    day = closed_on or _today()
    sums = award_sums(award)
    unspent = sums.committed - sums.paid
    try:
        award_workflow.fire(award, "close", actor=actor, reason=reason.strip())
    except WorkflowError as exc:
        raise _workflow_refusal(exc) from None
    if unspent > 0:
        try:
            ledger_decommit(
                commitment=award.commitment,
                amount=unspent,
                budget_year=day.year,
                on=day,
                reference=f"{award.reference}-CLOTURE",
                reason=_("Clôture de l'aide : engagement non consommé dégagé."),
                actor=actor,
            )
        except LedgerError as exc:
            raise _ledger_refusal(exc) from None
    paid_advance = advance_paid(award)
    if award.advance > 0 and not failed and paid_advance < award.advance:
        if award.instalments.exists():
            _reschedule(award, remaining=paid_advance - repaid_total(award))
    transaction.on_commit(lambda: emails.closed_send(award.pk))
    return award
