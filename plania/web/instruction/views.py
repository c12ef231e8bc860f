"""The officers' workbench and the experts' pages (issue 5 items 1-3).

Views are thin: fetch through a user-scoped queryset (an officer reaches only the filed
dossiers of their schemes, an expert only the dossiers they are invited on: anything else
is 404), call one service, catch its InstructionError, render or redirect. Every route
declares its access rule in urls.py (plania.accounts.access). Every form works without
JavaScript.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from plania.applications.enums import ApplicationState
from plania.applications.models import Application
from plania.applications.workflow import BY_NAME
from plania.core.formats import format_eur
from plania.documents import permissions as document_permissions
from plania.documents.models import Attachment
from plania.documents.selectors import dossier_documents
from plania.documents.serving import attachment_response
from plania.instruction import selectors, services
from plania.instruction.enums import Recommendation
from plania.instruction.models import ExpertInvitation
from plania.instruction.naf import SECTION_LABELS, section_of
from plania.instruction.services import InstructionError
from plania.privacy.services import dossier_view_record
from plania.rules.params import STATUS_LABELS
from plania.schemes.selectors import scheme_version, scheme_versions
from plania.web.instruction.forms import (
    BulkForm,
    DeclarationForm,
    InviteForm,
    NoteForm,
    OpinionForm,
    QueueFilterForm,
    RequestMissingForm,
    ReviewForm,
    add_service_errors,
)


def _lang() -> str:
    return "en" if (get_language() or "fr").startswith("en") else "fr"


# -- Overview and queue ----------------------------------------------------------------------


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/instruction/overview.html",
        {"schemes": selectors.officer_overview(request.user), "lang": _lang()},
    )


@dataclass
class QueueRow:
    application: Application
    days: int | None
    section: str
    section_label: str
    officer: Any
    recommendation: str
    invitations: int
    opinions: int


def _scheme_or_404(request: HttpRequest, scheme_code: str) -> Any:
    codes = selectors.officer_scheme_codes(request.user)
    if scheme_code not in codes and not selectors.is_admin(request.user):
        raise Http404
    versions = [s for s in scheme_versions() if s.id == scheme_code]
    if not versions:
        raise Http404
    return versions[-1]


@require_GET
def queue_page(request: HttpRequest, scheme: str) -> HttpResponse:
    scheme_obj = _scheme_or_404(request, scheme)
    lang = _lang()
    calls = [
        (ref, title_en if lang == "en" else title_fr)
        for ref, title_fr, title_en in selectors.scheme_calls(request.user, scheme)
    ]
    form = QueueFilterForm(request.GET or None, calls=calls)
    filters, per_page = form.filters()
    now = timezone.now()
    paginator = Paginator(selectors.queue(request.user, scheme, filters, now), per_page)
    page = paginator.get_page(request.GET.get("page"))
    rows = []
    for app in page.object_list:
        assignment = getattr(app, "assignment", None)
        review = getattr(app, "review", None)
        section = section_of(app.company.naf_code)
        rows.append(
            QueueRow(
                application=app,
                days=selectors.days_waiting(app, now),
                section=section,
                section_label=str(SECTION_LABELS.get(section, "")),
                officer=assignment.officer if assignment else None,
                recommendation=review.get_recommendation_display() if review else "",
                invitations=app.invitation_count,  # type: ignore[attr-defined]
                opinions=app.opinion_count,  # type: ignore[attr-defined]
            )
        )
    query = request.GET.copy()
    query.pop("page", None)
    sort_links = {}
    for key in ("reference", "company", "amount", "waiting", "state"):
        q = query.copy()
        q["sort"] = f"-{key}" if filters.sort == key and f"-{key}" in selectors.SORTS else key
        sort_links[key] = "?" + q.urlencode()
    return render(
        request,
        "web/instruction/queue.html",
        {
            "scheme": scheme_obj,
            "scheme_title": scheme_obj.title_en if lang == "en" else scheme_obj.title_fr,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sort": filters.sort,
            "sort_links": sort_links,
            "bulk": BulkForm(),
            "next": request.get_full_path(),
        },
    )


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def queue_bulk(request: HttpRequest, scheme: str) -> HttpResponse:
    _scheme_or_404(request, scheme)
    back = _next_or(request, reverse("web:instruction_queue", kwargs={"scheme": scheme}))
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cochez au moins un dossier et choisissez une action."))
        return redirect(back)
    references = form.cleaned_data["selected"]
    applications = list(
        selectors.officer_applications(request.user).filter(
            scheme_code=scheme, reference__in=references
        )
    )
    found = {a.reference for a in applications}
    try:
        result = services.applications_bulk(
            applications=applications, action=form.cleaned_data["action"], actor=request.user
        )
    except InstructionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if result.done:
        messages.success(
            request,
            _("%(n)d dossier(s) traité(s) : %(refs)s.")
            % {"n": len(result.done), "refs": ", ".join(result.done)},
        )
    for reference, why in result.refused:
        messages.warning(request, f"{reference} : {why}")
    for reference in sorted(set(references) - found):
        messages.warning(request, _("%(r)s : dossier introuvable.") % {"r": reference})
    return redirect(back)


# -- The officer's dossier page ---------------------------------------------------------------


def _officer_dossier(request: HttpRequest, reference: str) -> Application:
    return get_object_or_404(selectors.officer_application(request.user, reference))


@dataclass
class EventRow:
    at: Any
    label: str
    from_label: str
    to_label: str
    actor: Any
    reason: str


def _state_label(state: str) -> str:
    try:
        return str(ApplicationState(state).label)
    except ValueError:
        return state


def _events(app: Application) -> list[EventRow]:
    rows = []
    for e in selectors.history_of(app):
        transition = BY_NAME.get(e.transition)
        rows.append(
            EventRow(
                at=timezone.localtime(e.at),
                label=str(transition.label) if transition else e.transition,
                from_label=_state_label(e.from_state) if e.from_state else "",
                to_label=_state_label(e.to_state),
                actor=e.actor,
                reason=e.reason,
            )
        )
    return rows


def _answer_text(field: Any, value: Any, lang: str) -> str:
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    if value in (None, ""):
        return "—"
    if field is not None and field.type == "amount":
        try:
            return format_eur(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if field is not None and field.type == "date":
        try:
            return date_format(date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    if field is not None:
        choice = next((c for c in field.choices if c.value == value), None)
        if choice is not None:
            return choice.label_en if lang == "en" else choice.label_fr
    return str(value)


def _answers(app: Application, lang: str) -> list[tuple[str, str]]:
    """(label, value) of each answer of the dossier as filed."""
    scheme = scheme_version(app.scheme_code, app.scheme_version)
    answers = (app.submitted_data or {}).get("answers", {})
    if scheme is None or scheme.form is None:
        return [(k, _answer_text(None, v, lang)) for k, v in answers.items()]
    return [(f.label(lang), _answer_text(f, answers.get(f.id), lang)) for f in scheme.form.fields()]


def _cost_lines(app: Application) -> list[dict[str, Any]]:
    rows = []
    for line in (app.submitted_data or {}).get("cost_lines", []):
        try:
            amount = Decimal(str(line.get("amount"))) if line.get("amount") else None
        except InvalidOperation:
            amount = None
        rows.append({**line, "amount": amount})
    return rows


@dataclass
class ParameterRow:
    name: str
    label: str
    value: str
    status: str
    status_label: str
    source: str


def _award_context(app: Application, lang: str) -> dict[str, Any]:
    view = selectors.award_view(app)
    result = view.result
    params = []
    if result is not None and result.parameters_used:
        from plania.rules.eligibility import format_param

        for name, p in sorted(result.parameters_used.items()):
            fr, en = STATUS_LABELS[p.status]
            params.append(
                ParameterRow(
                    name=name,
                    label=p.label_en if lang == "en" else p.label_fr,
                    value=format_param(p, lang),
                    status=p.status,
                    status_label=en if lang == "en" else fr,
                    source=p.source,
                )
            )
    dm = result.de_minimis if result is not None else None
    return {
        "award": result,
        "award_error": view.error,
        "award_at": view.at,
        "award_explanation": result.explanation("en" if lang == "en" else "fr") if result else [],
        "award_basis": (
            (result.legal_basis_reason_en if lang == "en" else result.legal_basis_reason_fr)
            if result is not None and result.computed
            else ""
        ),
        "award_de_minimis_note": (
            (result.de_minimis_note_en if lang == "en" else result.de_minimis_note_fr)
            if result is not None
            else ""
        ),
        "de_minimis": dm,
        "award_parameters": params,
    }


def _dossier_context(request: HttpRequest, app: Application, **forms: Any) -> dict[str, Any]:
    lang = _lang()
    grid = selectors.grid_of(app)
    review = getattr(app, "review", None)
    panel = selectors.panel_of(app, grid)
    officer_scores = selectors.scores_on(grid, review.scores) if review else None
    from plania.rules.scoring import weighted_score

    review_initial: dict[str, Any] = {}
    if review is not None:
        review_initial = {
            "summary": review.summary,
            "recommendation": review.recommendation,
            "proposed_amount": review.proposed_amount,
            **{f"score_{k}": str(v) for k, v in (review.scores or {}).items()},
        }
    section = section_of(app.company.naf_code)
    return {
        "application": app,
        "call": app.call,
        "company": app.company,
        "lang": lang,
        "state_label": _state_label(app.state),
        "assignment": getattr(app, "assignment", None),
        "section": section,
        "section_label": SECTION_LABELS.get(section, ""),
        "eligibility": app.eligibility or None,
        "answers": _answers(app, lang),
        "cost_lines": _cost_lines(app),
        "documents": list(dossier_documents(app)),
        "events": _events(app),
        "messages_url": (
            reverse("web:message_thread", kwargs={"reference": app.reference})
            if document_permissions.side_of(request.user, app) is not None
            else ""
        ),
        "notes": list(selectors.notes_of(app)),
        "review": review,
        "grid": grid,
        "grid_status": grid.status_label(lang) if grid else "",
        "officer_score": weighted_score(grid, officer_scores) if grid and officer_scores else None,
        "panel": panel,
        "proposal": selectors.latest_proposal(app),
        "can_start_review": app.state == ApplicationState.SUBMITTED,
        "can_request_missing": app.state == ApplicationState.SUBMITTED,
        "can_propose": app.state == ApplicationState.UNDER_REVIEW,
        "working": app.state in services.WORKING_STATES,
        "missing_form": forms.get("missing_form") or RequestMissingForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "review_form": forms.get("review_form")
        or ReviewForm(initial=review_initial, grid=grid, lang=lang),
        "invite_form": forms.get("invite_form")
        or InviteForm(experts=selectors.experts_to_invite(app)),
        "propose_error": forms.get("propose_error", ""),
        **_award_context(app, lang),
    }


@require_GET
def dossier(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    dossier_view_record(user=request.user, application=app)
    return render(request, "web/instruction/dossier.html", _dossier_context(request, app))


def _back(app: Application, anchor: str = "") -> HttpResponse:
    url = reverse("web:instruction_dossier", kwargs={"reference": app.reference})
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _rerender(request: HttpRequest, app: Application, **forms: Any) -> HttpResponse:
    app = _officer_dossier(request, app.reference)
    return render(
        request, "web/instruction/dossier.html", _dossier_context(request, app, **forms), status=422
    )


@require_POST
def dossier_start_review(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    try:
        services.application_start_review(application=app, actor=request.user)
    except InstructionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("L'instruction du dossier %(r)s commence.") % {"r": reference})
    return _back(app)


@require_POST
def dossier_assign(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    try:
        services.application_assign(application=app, officer=request.user, actor=request.user)
    except InstructionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Vous êtes en charge du dossier %(r)s.") % {"r": reference})
    return _back(app)


@require_POST
def dossier_request_missing(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    form = RequestMissingForm(request.POST)
    if form.is_valid():
        try:
            services.instruction_request_missing(
                application=app, actor=request.user, message=form.cleaned_data["message"]
            )
        except InstructionError as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(
                request,
                _("Compléments demandés : le dossier %(r)s est incomplet, le porteur est prévenu.")
                % {"r": reference},
            )
            return _back(app)
    return _rerender(request, app, missing_form=form)


@require_POST
def dossier_note(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(application=app, actor=request.user, body=form.cleaned_data["body"])
        except InstructionError as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("Note ajoutée."))
            return _back(app, "notes")
    return _rerender(request, app, note_form=form)


@require_POST
def dossier_review(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    grid = selectors.grid_of(app)
    form = ReviewForm(request.POST, grid=grid, lang=_lang())
    if form.is_valid():
        try:
            services.review_save(
                application=app,
                actor=request.user,
                summary=form.cleaned_data["summary"],
                recommendation=form.cleaned_data["recommendation"],
                proposed_amount=form.cleaned_data["proposed_amount"],
                scores=form.scores(form.cleaned_data),
            )
        except InstructionError as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("Synthèse et avis enregistrés."))
            return _back(app, "review")
    return _rerender(request, app, review_form=form)


@require_POST
def dossier_invite(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    form = InviteForm(request.POST, experts=selectors.experts_to_invite(app))
    if form.is_valid():
        try:
            services.expert_invite(
                application=app,
                expert=form.cleaned_data["expert"],
                actor=request.user,
                message=form.cleaned_data["message"],
            )
        except InstructionError as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("L'expert est invité et prévenu par e-mail."))
            return _back(app, "experts")
    return _rerender(request, app, invite_form=form)


@require_POST
def dossier_propose(request: HttpRequest, reference: str) -> HttpResponse:
    app = _officer_dossier(request, reference)
    try:
        proposal = services.proposal_create(application=app, actor=request.user)
    except InstructionError as exc:
        return _rerender(request, app, propose_error=exc.message)
    messages.success(
        request,
        _("Le dossier %(r)s est proposé à la Commission permanente (%(rec)s).")
        % {"r": reference, "rec": Recommendation(proposal.recommendation).label},
    )
    return _back(app, "proposal")


def _attachment(app: Application, public_id: UUID) -> Attachment:
    return get_object_or_404(dossier_documents(app), public_id=public_id)


@require_GET
def dossier_attachment(request: HttpRequest, reference: str, public_id: UUID) -> HttpResponse:
    app = _officer_dossier(request, reference)
    return attachment_response(_attachment(app, public_id), user=request.user)


# -- Experts -----------------------------------------------------------------------------------


@require_GET
def expertise_list(request: HttpRequest) -> HttpResponse:
    invitations = [
        (inv, services.expert_access(inv)) for inv in selectors.expert_invitations_of(request.user)
    ]
    return render(request, "web/instruction/expertises.html", {"invitations": invitations})


def _invitation(request: HttpRequest, reference: str) -> ExpertInvitation:
    return get_object_or_404(selectors.expert_invitation(request.user, reference))


def _expertise_context(request: HttpRequest, inv: ExpertInvitation, **forms: Any) -> dict[str, Any]:
    app = inv.application
    lang = _lang()
    access = services.expert_access(inv)
    context: dict[str, Any] = {
        "invitation": inv,
        "application": app,
        "call": app.call,
        "access": access,
        "lang": lang,
        "declaration_form": forms.get("declaration_form") or DeclarationForm(),
    }
    if access != "open":
        return context
    grid = selectors.grid_of(app)
    opinion = getattr(inv, "opinion", None)
    initial: dict[str, Any] = {}
    if opinion is not None:
        initial = {
            "text": opinion.text,
            "recommendation": opinion.recommendation,
            **{f"score_{k}": str(v) for k, v in opinion.scores.items()},
        }
    context.update(
        {
            "company": app.company,
            "answers": _answers(app, lang),
            "cost_lines": _cost_lines(app),
            "documents": list(dossier_documents(app)),
            "eligibility": app.eligibility or None,
            "grid": grid,
            "grid_status": grid.status_label(lang) if grid else "",
            "opinion": opinion,
            "working": app.state in services.WORKING_STATES,
            "opinion_form": forms.get("opinion_form")
            or OpinionForm(initial=initial, grid=grid, lang=lang),
            "notes": list(selectors.notes_of(app)),
            "note_form": forms.get("note_form") or NoteForm(),
        }
    )
    return context


@require_GET
def expertise(request: HttpRequest, reference: str) -> HttpResponse:
    inv = _invitation(request, reference)
    return render(request, "web/instruction/expertise.html", _expertise_context(request, inv))


def _expertise_back(reference: str) -> HttpResponse:
    return redirect("web:instruction_expertise", reference=reference)


@require_POST
def expertise_declare(request: HttpRequest, reference: str) -> HttpResponse:
    inv = _invitation(request, reference)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_declare(
                invitation=inv,
                actor=request.user,
                conflicted=form.cleaned_data["conflicted"],
                reason=form.cleaned_data["reason"],
            )
        except InstructionError as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("Votre déclaration d'intérêts est enregistrée."))
            return _expertise_back(reference)
    inv = _invitation(request, reference)
    return render(
        request,
        "web/instruction/expertise.html",
        _expertise_context(request, inv, declaration_form=form),
        status=422,
    )


def _open_invitation(request: HttpRequest, reference: str) -> ExpertInvitation:
    """The invitation of an expert who declared no conflict; a conflicted (or not yet
    declared) expert is invited, so 403 rather than 404."""
    inv = _invitation(request, reference)
    if services.expert_access(inv) != "open":
        raise PermissionDenied
    return inv


@require_POST
def expertise_opinion(request: HttpRequest, reference: str) -> HttpResponse:
    inv = _open_invitation(request, reference)
    grid = selectors.grid_of(inv.application)
    form = OpinionForm(request.POST, grid=grid, lang=_lang())
    if form.is_valid():
        try:
            services.opinion_submit(
                invitation=inv,
                actor=request.user,
                scores=form.scores(form.cleaned_data),
                text=form.cleaned_data["text"],
                recommendation=form.cleaned_data["recommendation"],
            )
        except InstructionError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied from None
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("Votre avis est transmis à l'instructeur."))
            return _expertise_back(reference)
    inv = _invitation(request, reference)
    return render(
        request,
        "web/instruction/expertise.html",
        _expertise_context(request, inv, opinion_form=form),
        status=422,
    )


@require_POST
def expertise_note(request: HttpRequest, reference: str) -> HttpResponse:
    inv = _open_invitation(request, reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(
                application=inv.application, actor=request.user, body=form.cleaned_data["body"]
            )
        except InstructionError as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("Note ajoutée."))
            return _expertise_back(reference)
    return render(
        request,
        "web/instruction/expertise.html",
        _expertise_context(request, inv, note_form=form),
        status=422,
    )


@require_GET
def expertise_scores(request: HttpRequest, reference: str) -> HttpResponse:
    """The other experts' scores: 403 for a conflicted expert (and before the
    declaration); shown once the expert has given their own opinion."""
    inv = _open_invitation(request, reference)
    app = inv.application
    own = getattr(inv, "opinion", None)
    panel = selectors.panel_of(app) if own is not None else None
    return render(
        request,
        "web/instruction/expertise_scores.html",
        {
            "invitation": inv,
            "application": app,
            "own": own,
            "panel": panel,
            "lang": _lang(),
        },
    )


@require_GET
def expertise_attachment(request: HttpRequest, reference: str, public_id: UUID) -> HttpResponse:
    inv = _open_invitation(request, reference)
    return attachment_response(_attachment(inv.application, public_id), user=request.user)
