"""Pages of committee sessions, awards, payments and repayments (under /aides/).

Thin views: fetch through a user-scoped queryset (plania.awards.selectors: another
company's award is 404), call one service, catch its AwardError, show its message, redirect.
Every route declares its access rule in urls.py (plania.accounts.access).
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from plania.accounts.roles import Role
from plania.agreements import services as agreements_services
from plania.agreements.enums import DocumentKind
from plania.agreements.models import Agreement, AwardDocument
from plania.applications.enums import ApplicationState
from plania.applications.models import Application
from plania.awards import selectors as awards_selectors
from plania.awards import services as awards_services
from plania.awards.enums import AwardState, LegalBasis
from plania.awards.models import Award, AwardEvent
from plania.awards.permissions import EXPLANATION
from plania.awards.permissions import OFFICER as AWARD_OFFICER
from plania.awards.permissions import STAFF_ROLES as AWARD_STAFF_ROLES
from plania.awards.services import AwardError
from plania.awards.transparency import explanation_for, mention
from plania.committee import selectors as committee_selectors
from plania.committee import services as committee_services
from plania.committee.enums import Outcome
from plania.committee.models import AgendaItem, CommitteeSession, DirectProposal, ItemConflict
from plania.committee.permissions import DECIDE
from plania.core.grants import can, has_any_role, has_role
from plania.documents.serving import content_disposition
from plania.documents.storage import private_storage
from plania.payments import exports as payments_exports
from plania.payments import selectors as payments_selectors
from plania.payments import services as payments_services
from plania.payments.enums import RequestState, ScheduleKind
from plania.plans.models import Envelope
from plania.repayments import selectors as repayments_selectors
from plania.repayments import services as repayments_services
from plania.repayments import statements as repayments_statements
from plania.repayments.models import FailureFinding
from plania.web.awards import forms


def _date(text: str | None, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return default


def _fail(request: HttpRequest, exc: AwardError) -> None:
    messages.error(request, exc.message)


def _roles(user: Any) -> dict[str, bool]:
    return {
        "is_committee": has_role(user, Role.COMMITTEE),
        "is_finance": has_role(user, Role.FINANCE),
        "is_officer": has_role(user, Role.OFFICER),
    }


# -- Committee sessions ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def session_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            data = _cleaned(forms.SessionForm(request.POST))
            session = committee_services.session_create(
                held_on=data["held_on"] or timezone.localdate(),
                title=data["title"],
                deliberation_prefix=data["deliberation_prefix"],
                actor=request.user,
            )
        except AwardError as exc:
            _fail(request, exc)
            return redirect("web:committee_sessions")
        return redirect("web:committee_session", pk=session.pk)
    sessions = CommitteeSession.objects.all()
    return render(request, "web/awards/sessions.html", {"sessions": sessions})


def _pending_proposals() -> list[Any]:
    from plania.instruction.models import Proposal

    proposals = (
        Proposal.objects.filter(application__state=ApplicationState.PROPOSED)
        .exclude(agenda_items__outcome__in=[Outcome.PENDING, Outcome.APPROVED, Outcome.REJECTED])
        .select_related("application__company", "envelope")
        .order_by("created_at")
    )
    latest: dict[int, Any] = {}
    for p in proposals:
        latest[p.application_id] = p
    return list(latest.values())


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(CommitteeSession, pk=pk)
    items = list(session.items.select_related("envelope", "direct").order_by("position"))
    directs = DirectProposal.objects.exclude(
        agenda_items__outcome__in=[Outcome.PENDING, Outcome.APPROVED, Outcome.REJECTED]
    ).select_related("envelope")
    conflicts: dict[int, list[str]] = {}
    for conflict in ItemConflict.objects.filter(item__session=session).select_related("member"):
        name = conflict.member.get_full_name() or conflict.member.email
        conflicts.setdefault(conflict.item_id, []).append(name)
    for item in items:
        item.declared_conflicts = conflicts.get(item.pk, [])
        item.may_decide = can(request.user, DECIDE, item)
    return render(
        request,
        "web/awards/session.html",
        {
            "session": session,
            "items": items,
            "proposals": _pending_proposals() if session.state == "planned" else [],
            "directs": list(directs) if session.state == "planned" else [],
            "pending": any(i.outcome == Outcome.PENDING for i in items),
        },
    )


@require_POST
def session_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    session = get_object_or_404(CommitteeSession, pk=pk)
    try:
        if action == "inscrire":
            proposal = _cleaned(forms.ProposalPickForm(request.POST))["proposal"]
            committee_services.session_add_proposal(
                session=session, proposal=proposal, actor=request.user
            )
        elif action == "inscrire-directe":
            direct = _cleaned(forms.DirectPickForm(request.POST))["direct"]
            committee_services.session_add_direct(
                session=session, direct=direct, actor=request.user
            )
        elif action == "tout-approuver":
            awards = committee_services.session_approve_all(session=session, actor=request.user)
            messages.success(
                request, _("%(n)s aide(s) accordée(s) et engagée(s).") % {"n": len(awards)}
            )
        elif action == "clore":
            committee_services.session_close(session=session, actor=request.user)
        else:
            raise Http404
    except AwardError as exc:
        _fail(request, exc)
    return redirect("web:committee_session", pk=session.pk)


@require_POST
def item_decide(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    obj = get_object_or_404(AgendaItem.objects.select_related("session"), pk=item, session_id=pk)
    try:
        data = _cleaned(forms.DecisionForm(request.POST))
        day = data["decided_on"] or obj.session.held_on
        reference = data["deliberation_reference"]
        if data["decision"] == "approve":
            committee_services.decision_approve(
                item=obj,
                actor=request.user,
                grant=data["grant"],
                advance=data["advance"],
                decided_on=day,
                deliberation_reference=reference,
            )
        elif data["decision"] == "reject":
            committee_services.decision_reject(
                item=obj,
                actor=request.user,
                reason=data["reason"],
                decided_on=day,
                deliberation_reference=reference,
            )
        else:
            committee_services.decision_adjourn(item=obj, actor=request.user, reason=data["reason"])
    except AwardError as exc:
        _fail(request, exc)
    return redirect("web:committee_session", pk=pk)


@require_POST
def item_conflict(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """A member declares a conflict of interest on one item of the session."""
    obj = get_object_or_404(AgendaItem.objects.select_related("session"), pk=item, session_id=pk)
    try:
        data = _cleaned(forms.ConflictForm(request.POST))
        committee_services.conflict_declare(item=obj, actor=request.user, reason=data["reason"])
        messages.success(
            request,
            _("Conflit d'intérêts déclaré : vous ne prenez pas part à la décision du point %(n)s.")
            % {"n": obj.position},
        )
    except AwardError as exc:
        _fail(request, exc)
    return redirect("web:committee_session", pk=pk)


# -- Direct awards ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def direct_create(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    form = forms.DirectForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        else:
            try:
                committee_services.direct_propose(**form.cleaned_data, actor=request.user)
            except AwardError as exc:
                errors = exc.errors or {"__all__": [exc.message]}
            else:
                messages.success(
                    request,
                    _("Proposition enregistrée : inscrivez-la à une séance de la Commission."),
                )
                return redirect("web:direct_awards")
    return render(
        request,
        "web/awards/direct.html",
        {
            "envelopes": Envelope.objects.select_related("plan").order_by("plan", "code"),
            "bases": LegalBasis.choices,
            "directs": DirectProposal.objects.select_related("envelope")[:100],
            "errors": errors,
            "post": {
                k: form.data.get(k, "")
                for k in (
                    "envelope",
                    "beneficiary_name",
                    "beneficiary_siret",
                    "beneficiary_email",
                    "purpose",
                    "amount",
                    "justification",
                )
            },
        },
        status=422 if errors else 200,
    )


# -- Awards ----------------------------------------------------------------------------


def award_list(request: HttpRequest) -> HttpResponse:
    awards = awards_selectors.awards_visible_to(request.user).order_by("-decided_on", "-pk")[:500]
    return render(
        request,
        "web/awards/awards.html",
        {"awards": awards, **_roles(request.user)},
    )


def _award(request: HttpRequest, reference: str) -> Award:
    return get_object_or_404(awards_selectors.awards_visible_to(request.user), reference=reference)


def award_detail(request: HttpRequest, reference: str) -> HttpResponse:
    award = _award(request, reference)
    roles = {**_roles(request.user), "is_officer": can(request.user, AWARD_OFFICER, award)}
    agreement = Agreement.objects.filter(award=award).first()
    beneficiary = awards_services.is_beneficiary(request.user, award)
    return render(
        request,
        "web/awards/award.html",
        {
            "award": award,
            "sums": awards_selectors.award_sums(award),
            "agreement": agreement,
            "schedule": list(award.schedule.all()),
            "requests": list(
                award.payment_requests.select_related("line", "requested_by").prefetch_related(
                    "documents"
                )
            ),
            "payments": list(award.payments.all()),
            "instalments": repayments_selectors.schedule_view(award),
            "repayments": list(award.repayments.all()),
            "documents": list(award.documents.all()),
            "failure": FailureFinding.objects.filter(award=award).first(),
            "events": AwardEvent.objects.filter(award=award).select_related("actor"),
            "beneficiary": beneficiary,
            "staff": has_any_role(request.user, *AWARD_STAFF_ROLES),
            "can_request": (beneficiary or roles["is_officer"])
            and award.state in (AwardState.AGREEMENT_SIGNED, AwardState.IN_PAYMENT),
            "final_report_line": next(
                (s for s in award.schedule.all() if s.kind == ScheduleKind.ON_FINAL_REPORT), None
            ),
            "has_final_report": any(
                d.kind == DocumentKind.FINAL_REPORT for d in award.documents.all()
            ),
            "today": timezone.localdate(),
            "RequestState": {s.name: s.value for s in RequestState},
            **roles,
        },
    )


def _file_response(stored_name: str, name: str, content_type: str) -> HttpResponse:
    try:
        handle = private_storage().open(stored_name, "rb")
    except FileNotFoundError:
        # A file lost from the storage (a restore without the private files): a clear
        # 404, not a 500.
        raise Http404(
            _("Ce fichier n'est plus disponible : contactez l'instructeur·rice du dossier.")
        ) from None
    from django.http import FileResponse

    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def agreement_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """The agreement's PDF, as an attachment, to the company's members and the Region's
    staff only (404 for anyone else, through the scoped queryset)."""
    award = _award(request, reference)
    agreement = agreements_services.agreement_generate(award=award, actor=request.user)
    return _file_response(
        agreement.stored_name, f"convention-{award.reference}.pdf", "application/pdf"
    )


def document_download(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    award = _award(request, reference)
    document = get_object_or_404(AwardDocument, pk=pk, award=award)
    return _file_response(document.stored_name, document.original_name, document.content_type)


def _cleaned(form: Any) -> dict[str, Any]:
    """The form's cleaned data, or its errors as the AwardError the page shows."""
    if not form.is_valid():
        raise AwardError(forms.errors_text(form), code="invalid")
    return form.cleaned_data


def _sign(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.SignForm(request.POST))
    agreements_services.agreement_accept(
        award=award,
        actor=request.user,
        signer_name=data["signer_name"] if data["accept"] else "",
        sha256=data["sha256"],
    )
    messages.success(request, _("Convention signée."))


def _upload_signed(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.SignedUploadForm(request.POST, request.FILES))
    agreements_services.agreement_upload_signed(
        award=award,
        actor=request.user,
        uploaded_file=data["file"],
        signer_name=data["signer_name"],
    )
    messages.success(request, _("Convention signée enregistrée."))


def _waive(request: HttpRequest, award: Award) -> None:
    agreements_services.agreement_waive(award=award, actor=request.user)


def _request_payment(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.PaymentRequestForm(request.POST, award=award))
    payments_services.payment_request_create(
        award=award,
        actor=request.user,
        amount=data["amount"],
        line=data["line"],
        note=data["note"],
        files=request.FILES.getlist("files"),
    )
    messages.success(request, _("Demande de versement envoyée."))


def _certify(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.CertifyForm(request.POST, award=award))
    payments_services.payment_request_certify(
        request=data["request"], actor=request.user, amount=data["amount"]
    )


def _refuse(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.RefuseForm(request.POST, award=award))
    payments_services.payment_request_refuse(
        request=data["request"], actor=request.user, reason=data["reason"]
    )


def _order(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.OrderForm(request.POST, award=award))
    payment = payments_services.payment_order(
        request=data["request"], actor=request.user, ordered_on=data["ordered_on"]
    )
    messages.success(request, _("Mandat %(n)s émis.") % {"n": payment.number})


def _repay(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.RepaymentForm(request.POST))
    repayments_services.repayment_record(
        award=award,
        actor=request.user,
        amount=data["amount"],
        received_on=data["received_on"] or timezone.localdate(),
        reference=data["reference"],
    )
    messages.success(request, _("Remboursement enregistré."))


def _final_report(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.FinalReportForm(request.POST, request.FILES))
    agreements_services.final_report_submit(
        award=award, actor=request.user, uploaded_file=data["file"]
    )
    messages.success(request, _("Rapport final déposé."))


def _failure(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.FailureForm(request.POST))
    repayments_services.failure_find(
        award=award, actor=request.user, reason=data["reason"], found_on=data["found_on"]
    )


def _close(request: HttpRequest, award: Award) -> None:
    data = _cleaned(forms.ReasonForm(request.POST))
    payments_services.award_close(award=award, actor=request.user, reason=data["reason"])
    messages.success(request, _("Aide clôturée."))


ACTIONS: dict[str, Callable[[HttpRequest, Award], Any]] = {
    "signer": _sign,
    "deposer-convention": _upload_signed,
    "sans-convention": _waive,
    "demander-versement": _request_payment,
    "certifier": _certify,
    "refuser": _refuse,
    "mandater": _order,
    "rembourser": _repay,
    "rapport-final": _final_report,
    "constat-echec": _failure,
    "cloturer": _close,
}


@require_POST
def award_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    award = _award(request, reference)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        handler(request, award)
    except AwardError as exc:
        _fail(request, exc)
    return redirect("web:award", reference=award.reference)


# -- Finance ---------------------------------------------------------------------------


def payment_orders_csv(request: HttpRequest) -> HttpResponse:
    payments = payments_selectors.payments_for_export(
        start=_date(request.GET.get("du")), end=_date(request.GET.get("au"))
    )
    response = HttpResponse(
        payments_exports.payment_orders_csv(payments), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition("mandats.csv")
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def bank_statement(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = forms.StatementForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, forms.errors_text(form))
        else:
            file = form.cleaned_data["file"]
            name = file.name or "releve.csv"
            try:
                repayments_statements.statement_check_size(file_name=name, size=file.size or 0)
                result = repayments_statements.bank_statement_import(
                    file_name=name, content=file.read(), actor=request.user
                )
            except AwardError as exc:
                _fail(request, exc)
    return render(request, "web/awards/statement.html", {"result": result})


def arrears_list(request: HttpRequest) -> HttpResponse:
    on = _date(request.GET.get("au"), timezone.localdate()) or timezone.localdate()
    return render(
        request, "web/awards/arrears.html", {"arrears": repayments_selectors.arrears(on), "on": on}
    )


def requests_list(request: HttpRequest, state: str = RequestState.REQUESTED) -> HttpResponse:
    """Requests to certify (officers) or, certified, to order (finance)."""
    return render(
        request,
        "web/awards/requests.html",
        {
            "requests": payments_selectors.requests_to_process().filter(state=state),
            "to_order": state == RequestState.CERTIFIED,
            **_roles(request.user),
        },
    )


# -- The explanation as applied to the company -----------------------------------------


def explanation(request: HttpRequest, reference: str) -> HttpResponse:
    """CRPA R311-3-1-2: the rules core's explanation as applied to this dossier, for the
    members of its company and the Region's staff (404 for anyone else)."""
    application = get_object_or_404(
        Application.objects.select_related("company", "call"), reference=reference
    )
    if not can(request.user, EXPLANATION, application):
        raise Http404
    award = Award.objects.filter(application=application).select_related("item").first()
    item = committee_selectors.decision_for(application)
    return render(
        request,
        "web/awards/explanation.html",
        {
            "application": application,
            "award": award,
            "item": item,
            "explanation": explanation_for(application, award=award, item=item),
            "mention": mention(),
        },
    )
