"""Writes of the instruction. Keyword-only, one transaction each, the acting user passed
in; a refusal is an `InstructionError` whose message is for the person (French msgid,
translated in the active language) with, when it is about fields, a list of messages per
field (`errors`). Mails leave after commit (`transaction.on_commit`).

The dossier's state only moves through the applications room's workflow functions
(plania.applications.workflow: start_review, propose) or its services
(application_request_missing), each of which writes the history row. Every service that
changes a dossier first locks its row and reads it again under the lock.

HTTP meaning of the codes (views and API): invalid 422, state 409, forbidden 403 (the
person may see the dossier but not do this: a conflicted expert scoring), config 409.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plania.accounts.models import User
from plania.accounts.roles import Role
from plania.applications import workflow
from plania.applications.eligibility import json_value
from plania.applications.enums import ApplicationState
from plania.applications.models import Application
from plania.applications.services import ApplicationError, application_request_missing
from plania.core.grants import has_role
from plania.instruction import emails, selectors
from plania.instruction.enums import ConflictStatus, InvitationStatus, Recommendation
from plania.instruction.models import (
    TEXT_MAX_LENGTH,
    ApplicationAssignment,
    ConflictDeclaration,
    ExpertInvitation,
    ExpertOpinion,
    InternalNote,
    Proposal,
    Review,
    SchemeAssignment,
)
from plania.rules import scoring
from plania.rules.award import AwardResult

Errors = dict[str, list[str]]

# While a dossier is in these states, officers and experts work on it.
WORKING_STATES = frozenset(
    {ApplicationState.SUBMITTED, ApplicationState.INCOMPLETE, ApplicationState.UNDER_REVIEW}
)


class InstructionError(Exception):
    """A refusal. `code`: invalid, state, forbidden, config."""

    def __init__(self, message: str, *, code: str, errors: Errors | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors: Errors = errors or {}


def _invalid(field_name: str, message: str) -> InstructionError:
    return InstructionError(message, code="invalid", errors={field_name: [message]})


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("call", "company")
        .get(pk=application.pk)
    )


def _require_officer(actor: Any, application: Application) -> None:
    if not selectors.may_instruct(actor, application):
        raise InstructionError(
            _("Vous n'instruisez pas les dossiers de ce dispositif."), code="forbidden"
        )


def _require_working(application: Application) -> None:
    if application.state not in WORKING_STATES:
        raise InstructionError(
            _("Le dossier %(reference)s est à l'état « %(state)s » : son instruction est close.")
            % {
                "reference": application.reference,
                "state": ApplicationState(application.state).label,
            },
            code="state",
        )


def _text(value: str, field_name: str, *, required: bool, label: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise _invalid(field_name, _("%(label)s : ce champ est obligatoire.") % {"label": label})
    if len(text) > TEXT_MAX_LENGTH:
        raise _invalid(
            field_name,
            _("%(label)s : %(max)d caractères au plus (%(n)d saisis).")
            % {"label": label, "max": TEXT_MAX_LENGTH, "n": len(text)},
        )
    return text


def _from_workflow(exc: workflow.WorkflowError) -> InstructionError:
    return InstructionError(exc.message, code=exc.code)


# -- Assignments ----------------------------------------------------------------------------


@transaction.atomic
def scheme_assignment_create(
    *, officer: User, scheme_code: str, actor: User | None
) -> tuple[SchemeAssignment, bool]:
    """Assign an officer to a scheme (idempotent). The person must have the officer role."""
    from plania.schemes.selectors import scheme_versions

    known = sorted({s.id for s in scheme_versions()})
    if scheme_code not in known:
        raise _invalid(
            "scheme_code",
            _("Dispositif inconnu : %(code)s (connus : %(known)s).")
            % {"code": scheme_code, "known": ", ".join(known)},
        )
    if not has_role(officer, Role.OFFICER):
        raise _invalid(
            "officer",
            _("%(email)s n'a pas le rôle « instructeur ».") % {"email": officer.email},
        )
    return SchemeAssignment.objects.get_or_create(
        officer=officer, scheme_code=scheme_code, defaults={"assigned_by": actor}
    )


@transaction.atomic
def scheme_assignment_delete(*, officer: User, scheme_code: str, actor: User | None) -> int:
    deleted, _rows = SchemeAssignment.objects.filter(
        officer=officer, scheme_code=scheme_code
    ).delete()
    return deleted


@transaction.atomic
def application_assign(*, application: Application, officer: User, actor: User) -> Application:
    """Put `officer` in charge of the dossier (both must instruct its scheme)."""
    app = _lock(application)
    _require_officer(actor, app)
    if not selectors.may_instruct(officer, app):
        raise _invalid(
            "officer",
            _("%(email)s n'instruit pas les dossiers de ce dispositif.") % {"email": officer.email},
        )
    ApplicationAssignment.objects.update_or_create(
        application=app,
        defaults={"officer": officer, "assigned_at": timezone.now(), "assigned_by": actor},
    )
    return app


@transaction.atomic
def application_start_review(*, application: Application, actor: User) -> Application:
    """Start the instruction (submitted -> under review); the officer is put in charge
    when nobody is."""
    app = _lock(application)
    _require_officer(actor, app)
    try:
        workflow.start_review(app, actor=actor)
    except workflow.WorkflowError as exc:
        raise _from_workflow(exc) from None
    ApplicationAssignment.objects.get_or_create(
        application=app,
        defaults={"officer": actor, "assigned_at": timezone.now(), "assigned_by": actor},
    )
    return app


BULK_ACTIONS = ("start_review", "assign_me")


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


@transaction.atomic
def applications_bulk(
    *, applications: Sequence[Application], action: str, actor: User
) -> BulkResult:
    """Apply one action to several dossiers; each is done or refused on its own (a
    dossier in the wrong state does not stop the others), and the result says which."""
    if action not in BULK_ACTIONS:
        raise _invalid("action", _("Action inconnue."))
    result = BulkResult()
    for application in applications:
        try:
            with transaction.atomic():
                if action == "start_review":
                    application_start_review(application=application, actor=actor)
                else:
                    application_assign(application=application, officer=actor, actor=actor)
        except InstructionError as exc:
            result.refused.append((application.reference, exc.message))
        else:
            result.done.append(application.reference)
    return result


# -- Missing items, notes, review -------------------------------------------------------------


def instruction_request_missing(
    *, application: Application, actor: User, message: str
) -> Application:
    """Ask the applicant for missing items through the applications room's service
    (submitted -> incomplete; it mails the company's members after commit)."""
    if not selectors.may_instruct(actor, application):
        raise InstructionError(
            _("Vous n'instruisez pas les dossiers de ce dispositif."), code="forbidden"
        )
    try:
        return application_request_missing(application=application, actor=actor, message=message)
    except ApplicationError as exc:
        raise InstructionError(exc.message, code=exc.code, errors=exc.errors) from None


@transaction.atomic
def note_add(*, application: Application, actor: User, body: str) -> InternalNote:
    """A private note on the dossier (officers of its scheme, experts invited on it
    without a conflict, the committee)."""
    if not selectors.may_read_notes(actor, application):
        raise InstructionError(_("Vous ne pouvez pas annoter ce dossier."), code="forbidden")
    text = _text(body, "body", required=True, label=_("Note"))
    return InternalNote.objects.create(
        application=application, author=actor, body=text, created_at=timezone.now()
    )


def _parse_amount(raw: object, field_name: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.replace("€", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _invalid(
            field_name, _("Montant illisible : écrivez un nombre d'euros, par exemple 150000.")
        ) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise _invalid(
            field_name, _("Montant invalide : un nombre positif d'euros, au centime près.")
        )
    return value.quantize(Decimal("0.01"))


def score_errors(grid: scoring.ScoringGrid, problems: Mapping[str, str]) -> Errors:
    """The scoring problems as messages, one list per criterion ("score_<id>")."""
    errors: Errors = {}
    for criterion_id, code in problems.items():
        criterion = grid.criterion(criterion_id)
        if criterion is None:
            message = _("Critère inconnu de la grille : %(id)s.") % {"id": criterion_id}
        elif code == "missing":
            message = _("Notez le critère « %(label)s ».") % {"label": criterion.label_fr}
        else:
            message = _("« %(label)s » se note par un nombre entier de %(min)d à %(max)d.") % {
                "label": criterion.label_fr,
                "min": criterion.scale_min,
                "max": criterion.scale_max,
            }
        errors[f"score_{criterion_id}"] = [message]
    return errors


def _award_aid(application: Application) -> Decimal | None:
    view = selectors.award_view(application)
    if view.result is None or not view.result.computed:
        return None
    return view.result.aid_eur


@transaction.atomic
def review_save(
    *,
    application: Application,
    actor: User,
    summary: str = "",
    recommendation: str = "",
    proposed_amount: object = None,
    scores: Mapping[str, object] | None = None,
) -> Review:
    """Create or update the officer's review. Scores may be partial while the officer
    works (each one given must be on the grid's scale); the proposed amount defaults to
    the rules core's award and may not exceed it."""
    app = _lock(application)
    _require_officer(actor, app)
    _require_working(app)
    errors: Errors = {}
    text = ""
    try:
        text = _text(summary, "summary", required=False, label=_("Synthèse"))
    except InstructionError as exc:
        errors.update(exc.errors)
    if recommendation and recommendation not in Recommendation.values:
        errors["recommendation"] = [_("Avis inconnu.")]
    amount: Decimal | None = None
    try:
        amount = _parse_amount(proposed_amount, "proposed_amount")
    except InstructionError as exc:
        errors.update(exc.errors)
    aid = _award_aid(app)
    if amount is None and aid is not None:
        amount = aid.quantize(Decimal("0.01"))
    elif amount is not None and aid is not None and amount > aid:
        errors["proposed_amount"] = [
            _(
                "Le montant proposé (%(amount)s €) dépasse l'aide que les règles du "
                "dispositif permettent pour ce dossier (%(aid)s €)."
            )
            % {"amount": amount, "aid": aid}
        ]
    grid = selectors.grid_of(app)
    kept: dict[str, int] = {}
    if scores:
        given = {k: v for k, v in scores.items() if v not in (None, "")}
        if grid is None:
            errors["scores"] = [_("Ce dispositif n'a pas encore de grille de notation.")]
        else:
            read, problems = scoring.check_scores(grid, given)
            problems = {k: v for k, v in problems.items() if v != "missing"}
            errors.update(score_errors(grid, problems))
            kept = read
    if errors:
        first = next(iter(errors.values()))[0]
        raise InstructionError(first, code="invalid", errors=errors)
    review, _created = Review.objects.update_or_create(
        application=app,
        defaults={
            "officer": actor,
            "summary": text,
            "recommendation": recommendation,
            "proposed_amount": amount,
            "scores": kept,
            "grid_scheme": grid.scheme if grid else "",
            "grid_version": grid.version if grid else "",
        },
    )
    return review


# -- Experts ------------------------------------------------------------------------------------


@transaction.atomic
def expert_invite(
    *, application: Application, expert: User, actor: User, message: str = ""
) -> ExpertInvitation:
    """Invite an expert on the dossier; they are mailed after commit."""
    app = _lock(application)
    _require_officer(actor, app)
    _require_working(app)
    if not has_role(expert, Role.EXPERT) or not expert.is_active:
        raise _invalid("expert", _("Cette personne n'a pas le rôle « expert »."))
    text = _text(message, "message", required=False, label=_("Message"))
    invitation = ExpertInvitation.objects.filter(application=app, expert=expert).first()
    if invitation is not None and invitation.status != InvitationStatus.CANCELLED:
        raise _invalid("expert", _("Cet expert est déjà invité sur ce dossier."))
    if invitation is None:
        invitation = ExpertInvitation.objects.create(
            application=app,
            expert=expert,
            invited_by=actor,
            invited_at=timezone.now(),
            message=text,
        )
    else:
        invitation.status = InvitationStatus.INVITED
        invitation.invited_by = actor
        invitation.invited_at = timezone.now()
        invitation.message = text
        invitation.save()
    invitation_id = invitation.pk
    transaction.on_commit(lambda: emails.expert_invited_send(invitation_id))
    return invitation


def _lock_invitation(invitation: ExpertInvitation, actor: User) -> ExpertInvitation:
    inv = (
        ExpertInvitation.objects.select_for_update()
        .select_related("application__call", "application__company")
        .get(pk=invitation.pk)
    )
    if inv.expert_id != actor.pk or inv.status == InvitationStatus.CANCELLED:
        raise InstructionError(_("Cette invitation ne vous est pas adressée."), code="forbidden")
    return inv


@transaction.atomic
def conflict_declare(
    *, invitation: ExpertInvitation, actor: User, conflicted: bool, reason: str = ""
) -> ConflictDeclaration:
    """The expert's declaration of interests. "None" may later become "conflicted" (an
    interest discovered afterwards: the expert's opinion then leaves the averages); a
    conflict, once declared, is final."""
    inv = _lock_invitation(invitation, actor)
    text = _text(reason, "reason", required=conflicted, label=_("Motif du conflit d'intérêts"))
    existing = ConflictDeclaration.objects.filter(invitation=inv).first()
    now = timezone.now()
    status = ConflictStatus.CONFLICTED if conflicted else ConflictStatus.NONE
    if existing is not None:
        if existing.status == ConflictStatus.CONFLICTED:
            raise InstructionError(
                _("Vous avez déclaré un conflit d'intérêts sur ce dossier : c'est définitif."),
                code="state",
            )
        if not conflicted:
            return existing
        existing.status, existing.reason, existing.declared_at = status, text, now
        existing.save()
        declaration = existing
    else:
        _require_working(inv.application)
        declaration = ConflictDeclaration.objects.create(
            invitation=inv, status=status, reason=text, declared_at=now
        )
    if conflicted:
        inv.status = InvitationStatus.CONFLICTED
    elif inv.status == InvitationStatus.INVITED:
        inv.status = InvitationStatus.ACCEPTED
    inv.save(update_fields=["status"])
    return declaration


def expert_access(invitation: ExpertInvitation) -> str:
    """What the expert may do: "declare" (nothing declared yet), "conflicted", "open"."""
    declaration = getattr(invitation, "declaration", None)
    if invitation.status == InvitationStatus.CONFLICTED or (
        declaration is not None and declaration.status == ConflictStatus.CONFLICTED
    ):
        return "conflicted"
    if declaration is None:
        return "declare"
    return "open"


@transaction.atomic
def opinion_submit(
    *,
    invitation: ExpertInvitation,
    actor: User,
    scores: Mapping[str, object],
    text: str,
    recommendation: str,
) -> ExpertOpinion:
    """The expert's structured opinion (complete scores on the grid, a text, a
    recommendation); may be revised while the dossier is in instruction. The officers
    who invited them and the officer in charge are mailed after commit."""
    inv = _lock_invitation(invitation, actor)
    access_ = expert_access(inv)
    if access_ == "conflicted":
        raise InstructionError(
            _("Vous avez déclaré un conflit d'intérêts : vous ne pouvez pas noter ce dossier."),
            code="forbidden",
        )
    if access_ == "declare":
        raise InstructionError(
            _("Déclarez d'abord vos éventuels conflits d'intérêts."), code="forbidden"
        )
    app = _lock(inv.application)
    _require_working(app)
    grid = selectors.grid_of(app)
    if grid is None:
        raise InstructionError(
            _("Ce dispositif n'a pas encore de grille de notation."), code="config"
        )
    errors: Errors = {}
    read, problems = scoring.check_scores(grid, scores)
    errors.update(score_errors(grid, problems))
    body = ""
    try:
        body = _text(text, "text", required=True, label=_("Avis motivé"))
    except InstructionError as exc:
        errors.update(exc.errors)
    if recommendation not in Recommendation.values:
        errors["recommendation"] = [
            _("Choisissez un avis : favorable, défavorable ou ajournement.")
        ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InstructionError(first, code="invalid", errors=errors)
    now = timezone.now()
    opinion = ExpertOpinion.objects.filter(invitation=inv).first()
    if opinion is None:
        opinion = ExpertOpinion(invitation=inv, submitted_at=now)
    opinion.scores = read
    opinion.grid_scheme, opinion.grid_version = grid.scheme, grid.version
    opinion.text = body
    opinion.recommendation = recommendation
    opinion.updated_at = now
    opinion.save()
    inv.status = InvitationStatus.COMPLETED
    inv.save(update_fields=["status"])
    invitation_id = inv.pk
    transaction.on_commit(lambda: emails.opinion_received_send(invitation_id))
    return opinion


# -- Proposal to the committee -------------------------------------------------------------------


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _rules_record(
    view: selectors.AwardView, result: AwardResult, application: Application, lowered_to: Any
) -> dict[str, Any]:
    assert view.scheme is not None and view.at is not None
    gge = result.advance_gge
    return {
        "scheme": view.scheme.id,
        "version": view.scheme.version,
        "sha256": application.rules_sha256,
        "at": view.at.isoformat(),
        "inputs": {k: json_value(v) for k, v in view.inputs.items()},
        "requested_lowered_to": json_value(lowered_to),
        "eligibility": result.eligible,
        "computed": result.computed,
        "fundable": result.fundable,
        "limited_by": result.limited_by,
        "reference_rate": json_value(result.reference_rate),
        "advance_gge": (
            {
                "principal": json_value(gge.principal),
                "gge": json_value(gge.gge),
                "ratio": json_value(gge.ratio),
                "reference_rate": json_value(gge.reference_rate),
                "compounding": gge.compounding,
                "periods_per_year": gge.periods_per_year,
            }
            if gge is not None
            else None
        ),
        "parameters": {
            name: p.as_dict() for name, p in sorted((result.parameters_used or {}).items())
        },
        "explanation": {"fr": result.explanation("fr"), "en": result.explanation("en")},
    }


def _de_minimis_record(result: AwardResult) -> dict[str, Any]:
    dm = result.de_minimis
    if dm is None:
        return {"note_fr": result.de_minimis_note_fr, "note_en": result.de_minimis_note_en}
    return {
        "regime": dm.regime,
        "ceiling": json_value(dm.ceiling),
        "window_start": json_value(dm.window_start),
        "window_end": json_value(dm.window_end),
        "cumulated_before": json_value(dm.cumulated_before),
        "headroom_before": json_value(dm.headroom_before),
        "headroom_after": json_value(dm.headroom_after),
        "new_aid_gge": json_value(dm.new_aid_gge),
        "fits": dm.fits,
        "excess": json_value(dm.excess),
        "note_fr": result.de_minimis_note_fr,
        "note_en": result.de_minimis_note_en,
    }


@transaction.atomic
def proposal_create(*, application: Application, actor: User) -> Proposal:
    """Propose the dossier to the Commission permanente (under review -> proposed) with
    the review's recommendation and the rules core's amounts (see `Proposal`)."""
    app = _lock(application)
    _require_officer(actor, app)
    try:
        workflow.guard("propose", app, actor)
    except workflow.WorkflowError as exc:
        raise _from_workflow(exc) from None
    review = Review.objects.filter(application=app).first()
    if review is None or not review.recommendation:
        raise _invalid(
            "recommendation",
            _("Rédigez d'abord la synthèse et donnez votre avis (favorable ou défavorable)."),
        )
    if review.recommendation == Recommendation.ADJOURN:
        raise _invalid(
            "recommendation",
            _(
                "Votre avis est l'ajournement : le dossier reste en instruction. Changez "
                "l'avis pour le proposer à la Commission permanente."
            ),
        )
    base = selectors.award_view(app)
    if base.result is None:
        raise InstructionError(
            _("Les règles du dispositif de ce dossier sont introuvables : %(error)s")
            % {"error": base.error},
            code="config",
        )
    computed = base.result.aid_eur if base.result.computed else None
    result, view, lowered_to = base.result, base, None
    favourable = review.recommendation == Recommendation.FAVOURABLE
    if favourable:
        if computed is None or computed <= 0:
            raise _invalid(
                "recommendation",
                _(
                    "Les règles ne permettent pas de calculer une aide pour ce dossier (non "
                    "éligible ou incomplet) : seul un avis défavorable peut être proposé."
                ),
            )
        proposed = review.proposed_amount if review.proposed_amount is not None else computed
        if proposed <= 0 or proposed > computed:
            raise _invalid(
                "proposed_amount",
                _("Le montant proposé doit être positif et au plus %(aid)s €.") % {"aid": computed},
            )
        if proposed < computed:
            lowered_to = proposed
            view = selectors.award_view(app, requested=proposed)
            assert view.result is not None
            result = view.result
        if not result.fundable:
            raise _invalid(
                "proposed_amount",
                _("L'aide n'est pas finançable en l'état : %(note)s")
                % {"note": result.de_minimis_note_fr},
            )
    grid = selectors.grid_of(app)
    officer_scores = selectors.scores_on(grid, review.scores)
    panel = selectors.panel_of(app, grid)
    workflow.propose(app, actor=actor, reason=str(Recommendation(review.recommendation).label))
    reason_fr = result.legal_basis_reason_fr if result.computed else ""
    reason_en = result.legal_basis_reason_en if result.computed else ""
    return Proposal.objects.create(
        application=app,
        envelope=app.call.envelope,
        officer=actor,
        recommendation=review.recommendation,
        summary=review.summary,
        amount=_money(result.aid_eur) if favourable else Decimal("0.00"),
        grant_amount=_money(result.grant_eur) if favourable else Decimal("0.00"),
        advance_amount=_money(result.advance_eur) if favourable else Decimal("0.00"),
        advance_gge_amount=_money(result.advance_gge_eur) if favourable else Decimal("0.00"),
        total_gge_amount=_money(result.total_gge_eur) if favourable else Decimal("0.00"),
        computed_amount=_money(computed),
        requested_amount=_money(base.result.requested_eur or app.requested_amount),
        eligible_cost=_money(base.result.eligible_cost_eur),
        legal_basis=(result.legal_basis or "") if result.computed else "",
        legal_basis_text_fr=reason_fr,
        legal_basis_text_en=reason_en,
        de_minimis_status=result.de_minimis_status or "",
        de_minimis=_de_minimis_record(result),
        scheme_code=view.scheme.id if view.scheme else app.scheme_code,
        scheme_version=view.scheme.version if view.scheme else app.scheme_version,
        rules_date=view.at,
        rules=_rules_record(view, result, app, lowered_to),
        officer_score=scoring.weighted_score(grid, officer_scores)
        if grid and officer_scores
        else None,
        expert_average=panel.average,
        expert_count=len(panel.counted),
        created_at=timezone.now(),
    )
