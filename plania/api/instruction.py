"""/api/v1/instruction/: the officers' and experts' operations (issue 5 item 11), with the
same access rules as the pages.

Auth: a personal token or the browser session (plania.accounts.auth.api_auth). Officers
(the "officer" role) reach the filed dossiers of the schemes assigned to them; experts the
dossiers they are invited on; anyone else gets 404, as if the dossier did not exist. An
expert who declared a conflict of interest (or has not declared yet) is invited, so they
get 403 on the scores and on the opinion.

Refusals answer in the API's one format (plania.api.errors): 422 invalid, 409 wrong
state, 403 forbidden.
"""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from plania.accounts.auth import api_auth
from plania.accounts.selectors import user_by_email
from plania.api.access import api_access
from plania.api.errors import ApiError, ApiRefusal, refusal
from plania.api.instruction_schemas import (
    AssignIn,
    BulkIn,
    BulkOut,
    DeclarationIn,
    DeclarationOut,
    DossierOut,
    ExpertiseOut,
    InvitationOut,
    InviteIn,
    NoteIn,
    NoteOut,
    OpinionIn,
    OpinionOut,
    ProposalOut,
    QueueFilters,
    QueueItemOut,
    RequestMissingIn,
    ReviewIn,
    ReviewOut,
    ScoresOut,
    StateOut,
)
from plania.api.pagination import Pages
from plania.applications.models import Application
from plania.applications.permissions import NOTES
from plania.core.grants import scope
from plania.instruction import selectors, services
from plania.instruction.models import ExpertInvitation, InternalNote, Proposal, Review
from plania.instruction.naf import section_of
from plania.instruction.services import InstructionError
from plania.privacy.services import dossier_view_record

router = Router(tags=["instruction"], auth=api_auth)

STATUS = {"invalid": 422, "state": 409, "forbidden": 403, "config": 409}


ERRORS = {code: ApiError for code in (403, 409, 422)}
OFFICER = "dossier.instruct"
EXPERT = "instruction.invitation"


def error(exc: InstructionError) -> Status:
    return refusal(STATUS.get(exc.code, 422), exc.message, exc.code, exc.errors)


def invalid(field: str, message: str) -> Status:
    return refusal(422, message, "invalid", {field: [message]})


def forbidden(message: str) -> Status:
    return refusal(403, message, "forbidden")


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _officer_dossier(request: HttpRequest, reference: str) -> Application:
    """The officer's dossier; 404 for anyone else (a non-officer, another scheme)."""
    return get_object_or_404(selectors.officer_application(_user(request), reference))


def _invitation(request: HttpRequest, reference: str) -> ExpertInvitation:
    return get_object_or_404(selectors.expert_invitation(_user(request), reference))


# -- Builders ------------------------------------------------------------------------------------


def _who(user: Any) -> str | None:
    return user.email if user is not None else None


def review_out(review: Review | None, application: Application) -> dict[str, Any] | None:
    if review is None:
        return None
    grid = selectors.grid_of(application)
    complete = selectors.scores_on(grid, review.scores)
    from plania.rules.scoring import weighted_score

    return {
        "officer": review.officer.email,
        "summary": review.summary,
        "recommendation": review.recommendation,
        "proposed_amount": review.proposed_amount,
        "scores": review.scores or {},
        "weighted_score": weighted_score(grid, complete) if grid and complete else None,
        "created_at": review.created_at,
        "updated_at": review.updated_at,
    }


def opinion_out(opinion: Any, score: Decimal | None) -> dict[str, Any] | None:
    if opinion is None:
        return None
    return {
        "scores": opinion.scores,
        "weighted_score": score,
        "text": opinion.text,
        "recommendation": opinion.recommendation,
        "submitted_at": opinion.submitted_at,
        "updated_at": opinion.updated_at,
    }


def proposal_out(p: Proposal | None, lang: str = "fr") -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "id": p.pk,
        "reference": p.application.reference,
        "recommendation": p.recommendation,
        "amount": p.amount,
        "grant_amount": p.grant_amount,
        "advance_amount": p.advance_amount,
        "advance_gge_amount": p.advance_gge_amount,
        "total_gge_amount": p.total_gge_amount,
        "computed_amount": p.computed_amount,
        "requested_amount": p.requested_amount,
        "legal_basis": p.legal_basis,
        "legal_basis_text": p.legal_basis_text_en if lang == "en" else p.legal_basis_text_fr,
        "de_minimis_status": p.de_minimis_status,
        "envelope": p.envelope.code,
        "scheme_code": p.scheme_code,
        "scheme_version": p.scheme_version,
        "rules_date": p.rules_date,
        "officer": p.officer.email,
        "officer_score": p.officer_score,
        "expert_average": p.expert_average,
        "expert_count": p.expert_count,
        "created_at": p.created_at,
        "rules": p.rules,
    }


def _lang() -> str:
    from django.utils.translation import get_language

    return "en" if (get_language() or "fr").startswith("en") else "fr"


def award_out(application: Application) -> dict[str, Any] | None:
    view = selectors.award_view(application)
    r = view.result
    if r is None:
        return None
    lang = _lang()
    dm = r.de_minimis
    return {
        "computed": r.computed,
        "fundable": r.fundable,
        "eligible": r.eligible,
        "aid": r.aid_eur,
        "limited_by": r.limited_by,
        "grant": r.grant_eur,
        "advance": r.advance_eur,
        "advance_gge": r.advance_gge_eur,
        "total_gge": r.total_gge_eur,
        "reference_rate": r.reference_rate,
        "legal_basis": r.legal_basis,
        "legal_basis_text": r.legal_basis_reason_en if lang == "en" else r.legal_basis_reason_fr,
        "de_minimis_status": r.de_minimis_status,
        "de_minimis_note": r.de_minimis_note_en if lang == "en" else r.de_minimis_note_fr,
        "de_minimis_headroom_before": dm.headroom_before if dm else None,
        "de_minimis_headroom_after": dm.headroom_after if dm else None,
        "rules_date": view.at,
        "explanation": r.explanation("en" if lang == "en" else "fr"),
    }


def dossier_out(app: Application) -> dict[str, Any]:
    panel = selectors.panel_of(app)
    assignment = getattr(app, "assignment", None)
    return {
        "reference": app.reference,
        "state": app.state,
        "call": app.call.reference,
        "envelope": app.call.envelope.code,
        "scheme_code": app.scheme_code,
        "scheme_version": app.scheme_version,
        "submitted_at": app.submitted_at,
        "requested_amount": app.requested_amount,
        "officer": assignment.officer.email if assignment else None,
        "company": {
            "siren": app.company.siren,
            "name": app.company.name,
            "verified": app.company.verified,
            "creation_date": app.company.creation_date,
            "departement": app.company.departement,
            "naf_code": app.company.naf_code,
            "sector": section_of(app.company.naf_code),
        },
        "eligibility": app.eligibility or {},
        "award": award_out(app),
        "review": review_out(getattr(app, "review", None), app),
        "notes": [note_out(n) for n in selectors.notes_of(app)],
        "experts": [
            {
                "id": e.invitation.pk,
                "reference": app.reference,
                "expert": e.invitation.expert.email,
                "status": e.invitation.status,
                "invited_at": e.invitation.invited_at,
                "conflicted": e.conflicted,
                "conflict_reason": e.declaration.reason if e.conflicted and e.declaration else "",
                "counted_in_average": e.counted,
                "opinion": opinion_out(e.opinion, e.score),
            }
            for e in panel.entries
        ],
        "expert_average": panel.average,
        "history": [
            {
                "transition": ev.transition,
                "from_state": ev.from_state,
                "to_state": ev.to_state,
                "actor": _who(ev.actor),
                "at": ev.at,
                "reason": ev.reason,
            }
            for ev in selectors.history_of(app)
        ],
        "proposal": proposal_out(selectors.latest_proposal(app), _lang()),
    }


def note_out(note: InternalNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "author": note.author.email,
        "body": note.body,
        "created_at": note.created_at,
    }


def invitation_out(inv: ExpertInvitation) -> dict[str, Any]:
    declaration = getattr(inv, "declaration", None)
    return {
        "id": inv.pk,
        "reference": inv.application.reference,
        "expert": inv.expert.email,
        "status": inv.status,
        "invited_at": inv.invited_at,
        "conflicted": services.expert_access(inv) == "conflicted",
        "conflict_reason": declaration.reason if declaration else "",
        "counted_in_average": False,
        "opinion": None,
    }


# -- Officers -------------------------------------------------------------------------------------


@router.get(
    "/queue",
    response={200: list[QueueItemOut], 404: ApiError, 422: ApiError},
    summary="The officer's queue of one scheme (filters, sorting, pagination)",
    description=(
        "Filters: call (reference), state (repeatable; default submitted, incomplete, "
        "under_review), departement, sector (NAF section letter), amount_min/amount_max "
        "(requested amount, EUR), days_min/days_max (days waiting since submission), "
        "assigned (me, none), q (reference, company name or SIREN). Sort: waiting, "
        "-waiting, amount, -amount, reference, company, state. Paginated: page, page_size."
    ),
)
@api_access("officer", objects="instruction.scheme")
@paginate(Pages)
def queue(request: HttpRequest, filters: Query[QueueFilters]) -> QuerySet[Application]:
    user = _user(request)
    if filters.scheme not in selectors.officer_scheme_codes(user) and not (
        selectors.is_admin(user)
    ):
        raise ApiRefusal(404, _("Dispositif introuvable."))
    return selectors.queue(user, filters.scheme, filters.parsed(), timezone.now())


@router.post(
    "/queue/{scheme}/actions",
    response={200: BulkOut, 404: ApiError, 422: ApiError},
    summary="A bulk action on dossiers of the queue (start_review, assign_me)",
)
@api_access("officer", objects=OFFICER)
def queue_bulk(request: HttpRequest, scheme: str, payload: BulkIn):  # type: ignore[no-untyped-def]
    user = _user(request)
    if scheme not in selectors.officer_scheme_codes(user) and not selectors.is_admin(user):
        raise ApiRefusal(404, _("Dispositif introuvable."))
    applications = list(
        selectors.officer_applications(user).filter(
            scheme_code=scheme, reference__in=payload.references
        )
    )
    try:
        result = services.applications_bulk(
            applications=applications, action=payload.action, actor=user
        )
    except InstructionError as exc:
        return error(exc)
    found = {a.reference for a in applications}
    refused = [{"reference": r, "detail": why} for r, why in result.refused]
    refused += [
        {"reference": r, "detail": _("Dossier introuvable.")}
        for r in payload.references
        if r not in found
    ]
    return {"done": result.done, "refused": refused}


@router.get(
    "/dossiers/{reference}",
    response={200: DossierOut, 404: ApiError},
    summary="A dossier as its officer sees it (eligibility, award, review, notes, experts)",
)
@api_access("officer", objects=OFFICER)
def dossier(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    app = _officer_dossier(request, reference)
    dossier_view_record(user=_user(request), application=app)
    return dossier_out(app)


@router.post(
    "/dossiers/{reference}/start-review",
    response={200: StateOut, 404: ApiError, **ERRORS},
    summary="Start the instruction (submitted -> under_review)",
)
@api_access("officer", objects=OFFICER)
def start_review(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    app = _officer_dossier(request, reference)
    try:
        app = services.application_start_review(application=app, actor=_user(request))
    except InstructionError as exc:
        return error(exc)
    return {"reference": app.reference, "state": app.state}


@router.post(
    "/dossiers/{reference}/assign",
    response={200: StateOut, 404: ApiError, **ERRORS},
    summary="Put an officer of the scheme in charge of the dossier (default: the caller)",
)
@api_access("officer", objects=OFFICER)
def assign(request: HttpRequest, reference: str, payload: AssignIn):  # type: ignore[no-untyped-def]
    app = _officer_dossier(request, reference)
    officer = _user(request)
    if payload.officer_email:
        officer = user_by_email(payload.officer_email)
        if officer is None:
            return invalid("officer_email", _("Aucun compte avec cette adresse."))
    try:
        services.application_assign(application=app, officer=officer, actor=_user(request))
    except InstructionError as exc:
        return error(exc)
    return {"reference": app.reference, "state": app.state}


@router.post(
    "/dossiers/{reference}/request-missing",
    response={200: StateOut, 404: ApiError, **ERRORS},
    summary="Ask the applicant for missing items (submitted -> incomplete; they are mailed)",
)
@api_access("officer", objects=OFFICER)
def request_missing(request: HttpRequest, reference: str, payload: RequestMissingIn):  # type: ignore[no-untyped-def]
    app = _officer_dossier(request, reference)
    try:
        app = services.instruction_request_missing(
            application=app, actor=_user(request), message=payload.message
        )
    except InstructionError as exc:
        return error(exc)
    return {"reference": app.reference, "state": app.state}


@router.put(
    "/dossiers/{reference}/review",
    response={200: ReviewOut, 404: ApiError, **ERRORS},
    summary="Create or update the officer's review (scores, summary, recommendation, amount)",
    description=(
        "scores: criterion id -> whole points on the scheme version's grid (partial allowed). "
        "recommendation: favourable, unfavourable, adjourn or empty. proposed_amount: EUR, "
        "defaults to the rules core's award and may not exceed it."
    ),
)
@api_access("officer", objects=OFFICER)
def review_upsert(request: HttpRequest, reference: str, payload: ReviewIn):  # type: ignore[no-untyped-def]
    app = _officer_dossier(request, reference)
    try:
        review = services.review_save(
            application=app,
            actor=_user(request),
            summary=payload.summary,
            recommendation=payload.recommendation,
            proposed_amount=payload.proposed_amount,
            scores=payload.scores,
        )
    except InstructionError as exc:
        return error(exc)
    return review_out(review, app)


def _notes_dossier(request: HttpRequest, reference: str) -> Application:
    """A dossier whose notes the caller may read: officers of its scheme, experts invited
    without a conflict, committee members for its agenda item (`dossier.notes`); 404 for
    anyone else."""
    user = _user(request)
    app = scope(user, NOTES).filter(reference=reference).first()
    if app is None:
        raise ApiRefusal(404, _("Dossier introuvable."))
    return app


@router.get(
    "/dossiers/{reference}/notes",
    response={200: list[NoteOut], 404: ApiError},
    summary="The dossier's private notes (never shown to the applicant)",
)
@api_access(
    "officer",
    also=["expert", "committee"],
    objects="dossier.notes",
)
@paginate(Pages)
def notes(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    app = _notes_dossier(request, reference)
    return [note_out(n) for n in selectors.notes_of(app)]


@router.post(
    "/dossiers/{reference}/notes",
    response={201: NoteOut, 404: ApiError, **ERRORS},
    summary="Add a private note",
)
@api_access(
    "officer",
    also=["expert", "committee"],
    objects="dossier.notes",
)
def note_add(request: HttpRequest, reference: str, payload: NoteIn):  # type: ignore[no-untyped-def]
    app = _notes_dossier(request, reference)
    try:
        note = services.note_add(application=app, actor=_user(request), body=payload.body)
    except InstructionError as exc:
        return error(exc)
    return Status(201, note_out(note))


@router.post(
    "/dossiers/{reference}/experts",
    response={201: InvitationOut, 404: ApiError, **ERRORS},
    summary="Invite an expert (a user with the expert role) on the dossier",
)
@api_access("officer", objects=OFFICER)
def invite(request: HttpRequest, reference: str, payload: InviteIn):  # type: ignore[no-untyped-def]
    app = _officer_dossier(request, reference)
    expert = user_by_email(payload.expert_email)
    if expert is None:
        return invalid("expert_email", _("Aucun compte avec cette adresse."))
    try:
        inv = services.expert_invite(
            application=app, expert=expert, actor=_user(request), message=payload.message
        )
    except InstructionError as exc:
        if "expert" in exc.errors:
            exc.errors["expert_email"] = exc.errors.pop("expert")
        return error(exc)
    return Status(201, invitation_out(inv))


@router.post(
    "/dossiers/{reference}/propose",
    response={201: ProposalOut, 404: ApiError, **ERRORS},
    summary="Propose the dossier to the Commission permanente (under_review -> proposed)",
    description=(
        "Creates the Proposal the committee decides on: the review's recommendation and "
        "the rules core's amounts (grant and advance parts, legal basis, parameters used) on "
        "the dossier's frozen data, lowered to the review's proposed amount when lower."
    ),
)
@api_access("officer", objects=OFFICER)
def propose(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    app = _officer_dossier(request, reference)
    try:
        proposal = services.proposal_create(application=app, actor=_user(request))
    except InstructionError as exc:
        return error(exc)
    return Status(201, proposal_out(proposal, _lang()))


# -- Experts --------------------------------------------------------------------------------------


def _expertise_out(inv: ExpertInvitation) -> dict[str, Any]:
    access = services.expert_access(inv)
    out: dict[str, Any] = {
        "reference": inv.application.reference,
        "call": inv.application.call.reference,
        "status": inv.status,
        "access": access,
        "invited_at": inv.invited_at,
    }
    if access == "open":
        app = inv.application
        grid = selectors.grid_of(app)
        opinion = getattr(inv, "opinion", None)
        scores = selectors.scores_on(grid, opinion.scores) if opinion else None
        from plania.rules.scoring import weighted_score

        out.update(
            {
                "company_name": app.company.name,
                "answers": (app.submitted_data or {}).get("answers", {}),
                "cost_lines": (app.submitted_data or {}).get("cost_lines", []),
                "grid": [
                    {
                        "id": c.id,
                        "label_fr": c.label_fr,
                        "label_en": c.label_en,
                        "weight": str(c.weight),
                        "min": c.scale_min,
                        "max": c.scale_max,
                    }
                    for c in grid.criteria
                ]
                if grid
                else None,
                "opinion": opinion_out(
                    opinion, weighted_score(grid, scores) if grid and scores else None
                ),
            }
        )
    return out


@router.get(
    "/expertises",
    response={200: list[ExpertiseOut]},
    summary="The caller's invitations as an expert",
)
@api_access("expert", objects=EXPERT)
@paginate(Pages)
def expertises(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [_expertise_out(inv) for inv in selectors.expert_invitations_of(_user(request))]


@router.get(
    "/expertises/{reference}",
    response={200: ExpertiseOut, 404: ApiError},
    summary="One invitation; the dossier's content only after a declaration of no conflict",
)
@api_access("expert", objects=EXPERT)
def expertise(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    return _expertise_out(_invitation(request, reference))


@router.post(
    "/expertises/{reference}/declaration",
    response={200: DeclarationOut, 404: ApiError, **ERRORS},
    summary="Declare a conflict of interest, or none (before anything else)",
)
@api_access("expert", objects=EXPERT)
def declare(request: HttpRequest, reference: str, payload: DeclarationIn):  # type: ignore[no-untyped-def]
    inv = _invitation(request, reference)
    try:
        declaration = services.conflict_declare(
            invitation=inv,
            actor=_user(request),
            conflicted=payload.conflicted,
            reason=payload.reason,
        )
    except InstructionError as exc:
        return error(exc)
    return {
        "reference": reference,
        "status": declaration.status,
        "reason": declaration.reason,
        "declared_at": declaration.declared_at,
    }


@router.put(
    "/expertises/{reference}/opinion",
    response={200: OpinionOut, 404: ApiError, **ERRORS},
    summary="Give or revise the expert's opinion (complete scores, text, recommendation)",
)
@api_access("expert", objects=EXPERT)
def opinion(request: HttpRequest, reference: str, payload: OpinionIn):  # type: ignore[no-untyped-def]
    inv = _invitation(request, reference)
    try:
        op = services.opinion_submit(
            invitation=inv,
            actor=_user(request),
            scores=payload.scores,
            text=payload.text,
            recommendation=payload.recommendation,
        )
    except InstructionError as exc:
        return error(exc)
    grid = selectors.grid_of(inv.application)
    from plania.rules.scoring import weighted_score

    return opinion_out(op, weighted_score(grid, op.scores) if grid else None)


@router.get(
    "/expertises/{reference}/scores",
    response={200: ScoresOut, 404: ApiError, 403: ApiError},
    summary="The experts' scores without conflicted experts (403 for a conflicted expert)",
    description="Shown once the caller has given their own opinion (empty list before).",
)
@api_access("expert", objects=EXPERT)
def scores(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    inv = _invitation(request, reference)
    access = services.expert_access(inv)
    if access == "conflicted":
        return forbidden(_("Vous avez déclaré un conflit d'intérêts sur ce dossier."))
    if access == "declare":
        return forbidden(_("Déclarez d'abord vos éventuels conflits d'intérêts."))
    own = getattr(inv, "opinion", None)
    if own is None:
        return {"reference": reference, "average": None, "means": {}, "opinions": []}
    panel = selectors.panel_of(inv.application)
    return {
        "reference": reference,
        "average": panel.average,
        "means": panel.means,
        "opinions": [
            {
                "you": e.invitation.expert_id == inv.expert_id,
                "weighted_score": e.score,
                "recommendation": e.opinion.recommendation,
                "scores": e.scores or {},
            }
            for e in panel.counted
        ],
    }
