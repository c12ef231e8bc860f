"""The applicant's pages: the catalogue of calls, "Suis-je éligible ?", the dossier (form,
autosave, submission, receipt, status and history, withdrawal, answer to a request for
missing items).

Views are thin: fetch through a user-scoped queryset (`applications_of(user)`: another
company's dossier is 404), call one service, catch its ApplicationError, render or
redirect. Every route declares its access rule in urls.py (plania.accounts.access).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from plania.accounts.display import name_for_applicant
from plania.applications import services
from plania.applications.calls import paris, paris_text
from plania.applications.eligibility import (
    COMPANY_INPUTS,
    DERIVED_INPUTS,
    company_inputs,
    eligibility_json,
    evaluate,
    label_of,
    parse_precheck_input,
)
from plania.applications.enums import ApplicationState
from plania.applications.labs import lab_directory
from plania.applications.models import Application, Call
from plania.applications.selectors import (
    application_for_page,
    applications_of,
    call_applications_of,
    call_rules_date,
    calls_listed,
)
from plania.applications.services import ApplicationError
from plania.applications.validation import check_dossier, problem_message
from plania.applications.workflow import BY_NAME, TRANSITIONS, WorkflowError, guard
from plania.companies.selectors import companies_for_drafts
from plania.ops.middleware import received_at
from plania.privacy.services import dossier_view_record
from plania.rules.eligibility import VERDICT_WORDS, format_input
from plania.rules.form_values import ValueRefused, parse_amount
from plania.rules.schemes import INPUT_FIELDS, Scheme
from plania.schemes.selectors import criterion_rules
from plania.web.applications.forms import (
    DEFAULT_BLANK_ROWS,
    MAX_BLANK_ROWS,
    DossierPost,
    error_summary,
    html_errors,
    lang_of,
    parse_dossier_post,
    precheck_field,
    regulation_options,
    row_views,
    section_views,
)

ZERO = Decimal("0.00")


def _lang() -> str:
    return lang_of(get_language())


def reference_date(call: Call, scheme: Scheme) -> date:
    return call_rules_date(call, scheme)


@dataclass
class CallView:
    call: Call
    scheme: Scheme | None
    status: str
    rules: list[tuple[str, str]]

    @property
    def scheme_title(self) -> str:
        if self.scheme is None:
            return self.call.scheme_code
        return self.scheme.title_en if _lang() == "en" else self.scheme.title_fr


def call_view(call: Call) -> CallView:
    scheme = call.scheme
    rules: list[tuple[str, str]] = []
    if scheme is not None:
        en = _lang() == "en"
        rules = [
            (lab_en if en else lab_fr, rule_en if en else rule_fr)
            for lab_fr, lab_en, rule_fr, rule_en in criterion_rules(
                scheme, reference_date(call, scheme)
            )
        ]
    return CallView(call, scheme, call.status(), rules)


# -- Catalogue ------------------------------------------------------------------------------


def call_list(request: HttpRequest) -> HttpResponse:
    calls = [call_view(c) for c in calls_listed()]
    return render(request, "web/applications/calls.html", {"calls": calls})


def call_detail(request: HttpRequest, call: str) -> HttpResponse:
    obj = get_object_or_404(Call.objects.select_related("envelope"), reference=call)
    view = call_view(obj)
    companies = list(companies_for_drafts(request.user))
    dossiers = list(call_applications_of(request.user, obj))
    return render(
        request,
        "web/applications/call.html",
        {
            "view": view,
            "call": obj,
            "companies": companies,
            "dossiers": dossiers,
            "free_companies": [
                c for c in companies if c.pk not in {d.company_id for d in dossiers}
            ],
        },
    )


# -- Pre-check ------------------------------------------------------------------------------


def call_precheck(request: HttpRequest, call: str) -> HttpResponse:
    """Which rules the company meets, before any dossier exists (GET form: shareable,
    works without an account)."""
    obj = get_object_or_404(Call.objects.select_related("envelope"), reference=call)
    scheme = obj.scheme
    if scheme is None:
        raise Http404
    lang = _lang()
    companies = list(companies_for_drafts(request.user))
    siren = request.GET.get("entreprise", companies[0].siren if companies else "")
    company = next((c for c in companies if c.siren == siren), None)
    given = company_inputs(company)
    at = reference_date(obj, scheme)
    asked = [
        n
        for n in scheme.inputs()
        if n not in DERIVED_INPUTS and not (n in COMPANY_INPUTS and n in given)
    ]
    checked = "verifier" in request.GET
    fields = []
    inputs: dict[str, object] = {**given, "application_date": at}
    for name in asked:
        kind = INPUT_FIELDS[name]
        raw = request.GET.get(name, "")
        errors: list[str] = []
        try:
            inputs[name] = parse_precheck_input(kind, raw)
        except ValueRefused as exc:
            inputs[name] = None
            if checked:
                errors = [problem_message(exc.problem)]
        fields.append(precheck_field(name, kind, raw, errors, lang, scheme.form))
    result = None
    if checked:
        result = eligibility_json(evaluate(scheme, inputs, at))
    return render(
        request,
        "web/applications/precheck.html",
        {
            "call": obj,
            "scheme": scheme,
            "companies": companies,
            "company": company,
            "given": [
                (label_of(n, lang), format_input(n, given[n], lang))  # type: ignore[arg-type]
                for n in COMPANY_INPUTS
                if n in given
            ],
            "at": at,
            "fields": fields,
            "result": result,
            "lang": lang,
            "verdict_words": {k: v[0 if lang == "fr" else 1] for k, v in VERDICT_WORDS.items()},
        },
    )


# -- Creating and listing dossiers ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, call: str) -> HttpResponse:
    obj = get_object_or_404(Call.objects.select_related("envelope"), reference=call)
    if request.method == "GET":
        return redirect("web:call", call=obj.reference)
    company = get_object_or_404(
        companies_for_drafts(request.user), siren=request.POST.get("siren", "")
    )
    try:
        result = services.application_create(call=obj, company=company, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:call", call=obj.reference)
    if result.created:
        messages.success(
            request,
            _("Dossier %(reference)s créé : il est enregistré au fil de la saisie.")
            % {"reference": result.application.reference},
        )
    return redirect("web:application_edit", reference=result.application.reference)


def application_list(request: HttpRequest) -> HttpResponse:
    dossiers = list(applications_of(request.user).order_by("-created_at", "-pk"))
    return render(request, "web/applications/list.html", {"dossiers": dossiers})


# -- The dossier form -----------------------------------------------------------------------


def _form_context(
    request: HttpRequest,
    app: Application,
    *,
    answers: dict[str, Any],
    cost_lines: list[dict[str, Any]],
    declared_aids: list[dict[str, Any]],
    errors: dict[str, list[str]],
    version: int,
    notice: str = "",
    notice_kind: str = "error",
    full_check: bool = False,
) -> dict[str, Any]:
    scheme = app.call.scheme
    if scheme is None or scheme.form is None:
        raise Http404
    form = scheme.form
    lang = _lang()
    labs = lab_directory()
    try:
        blank = int(request.GET.get("vides", DEFAULT_BLANK_ROWS))
    except ValueError:
        blank = DEFAULT_BLANK_ROWS
    blank = max(1, min(blank, MAX_BLANK_ROWS))

    def amount(row: dict[str, Any]) -> Decimal | None:
        try:
            return parse_amount(row.get("amount")) if str(row.get("amount") or "").strip() else None
        except ValueRefused:
            return None

    readable = [(amount(r), r.get("eligible") in (True, "oui", "on")) for r in cost_lines]
    return {
        "application": app,
        "call": app.call,
        "company": app.company,
        "sections": section_views(form, answers, errors, lang, labs),
        "cost_rows": row_views("cost_lines", cost_lines, errors, blank_rows=blank),
        "aid_rows": row_views("declared_aids", declared_aids, errors, blank_rows=max(1, blank - 1)),
        "categories": [
            (c.code, c.label_en if lang == "en" else c.label_fr) for c in form.cost_categories
        ],
        "regulations": regulation_options(lang),
        "summary": error_summary(errors, form, lang),
        "part_errors": {k: v for k, v in errors.items() if k in ("cost_lines", "declared_aids")},
        "total_cost": sum((a for a, _e in readable if a is not None), start=ZERO),
        "eligible_cost": sum((a for a, e in readable if a is not None and e), start=ZERO),
        "version": version,
        "notice": notice,
        "notice_kind": notice_kind,
        "full_check": full_check,
        "next_blank": min(blank + 1, MAX_BLANK_ROWS),
        "closes": paris_text(app.call.closes_at),
        "saved_at": paris(app.updated_at).strftime("%H:%M:%S"),
        "labs_sample": labs.sample,
    }


def _render_saved(
    request: HttpRequest,
    app: Application,
    *,
    require: bool,
    notice: str = "",
    notice_kind: str = "error",
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    """The form from what is saved, with every problem (`require`: as a submission)."""
    if errors is None:
        errors = services.application_check(app, require=require).errors
    context = _form_context(
        request,
        app,
        answers=dict(app.answers),
        cost_lines=services.cost_rows(app),
        declared_aids=services.aid_rows(app),
        errors=errors,
        version=app.version,
        notice=notice,
        notice_kind=notice_kind,
        full_check=require,
    )
    return render(request, "web/applications/form.html", context, status=status)


def _dossier(request: HttpRequest, reference: str) -> Application:
    return get_object_or_404(application_for_page(request.user, reference))


@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, reference: str) -> HttpResponse:
    app = _dossier(request, reference)
    if not app.editable:
        return redirect("web:application", reference=app.reference)
    if request.method == "GET":
        return _render_saved(request, app, require=False)
    scheme = app.call.scheme
    if scheme is None or scheme.form is None:
        raise Http404
    posted = parse_dossier_post(request.POST, scheme.form)
    try:
        app = services.application_save_draft(
            application=app,
            actor=request.user,
            answers=posted.answers,
            cost_lines=posted.cost_lines,
            declared_aids=posted.declared_aids,
            expected_version=posted.version,
        )
    except ApplicationError as exc:
        return _render_posted(request, app, posted, exc)
    url = reverse("web:application_edit", kwargs={"reference": app.reference})
    if posted.action == "review":
        return redirect("web:application_submit", reference=app.reference)
    if posted.action == "add_line":
        # The button posts to ?vides=N: one more empty row than the page had.
        try:
            blank = int(request.GET.get("vides", ""))
        except ValueError:
            blank = DEFAULT_BLANK_ROWS + 1
        return redirect(f"{url}?vides={max(1, min(blank, MAX_BLANK_ROWS))}#budget")
    if posted.action == "add_aid":
        return redirect(f"{url}#aides")
    messages.success(
        request,
        _("Enregistré à %(time)s.") % {"time": paris(app.updated_at).strftime("%H:%M:%S")},
    )
    return redirect(url)


def _render_posted(
    request: HttpRequest, app: Application, posted: DossierPost, exc: ApplicationError
) -> HttpResponse:
    """A save refused (stale version, dossier no longer editable): show what was typed,
    not what is saved, with the reason — nothing typed is lost."""
    app.refresh_from_db()
    if not app.editable:
        messages.error(request, exc.message)
        return redirect("web:application", reference=app.reference)
    scheme = app.call.scheme
    assert scheme is not None and scheme.form is not None
    check = check_dossier(
        scheme.form,
        answers=posted.answers,
        cost_lines=posted.cost_lines,
        declared_aids=posted.declared_aids,
        lab_codes=lab_directory().codes(),
        require=False,
    )
    context = _form_context(
        request,
        app,
        answers=posted.answers,
        cost_lines=posted.cost_lines,  # type: ignore[arg-type]
        declared_aids=posted.declared_aids,  # type: ignore[arg-type]
        errors=check.errors,
        # Saving again from this page replaces the other version, knowingly.
        version=exc.current_version or app.version,
        notice=exc.message,
    )
    return render(request, "web/applications/form.html", context, status=409)


def application_autosave(request: HttpRequest, reference: str) -> HttpResponse:
    """The autosave of autosave.js: the same fields as the form, a JSON answer."""
    app = _dossier(request, reference)  # first: another company's dossier is 404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    scheme = app.call.scheme
    if scheme is None or scheme.form is None:
        raise Http404
    posted = parse_dossier_post(request.POST, scheme.form)
    try:
        app = services.application_save_draft(
            application=app,
            actor=request.user,
            answers=posted.answers,
            cost_lines=posted.cost_lines,
            declared_aids=posted.declared_aids,
            expected_version=posted.version,
        )
    except ApplicationError as exc:
        return JsonResponse(
            {"detail": exc.message, "code": exc.code, "current_version": exc.current_version},
            status=409 if exc.code in ("stale", "state") else 400,
        )
    errors = services.application_check(app, require=False).errors
    time = paris(app.updated_at).strftime("%H:%M:%S")
    return JsonResponse(
        {
            "version": app.version,
            "saved_at": time,
            "message": _("Enregistré à %(time)s.") % {"time": time},
            "errors": html_errors(errors, scheme.form, posted.positions),
        }
    )


# -- Submission ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def application_submit(request: HttpRequest, reference: str) -> HttpResponse:
    app = _dossier(request, reference)
    if request.method == "GET":
        if app.filed and app.state != ApplicationState.WITHDRAWN:
            return redirect("web:application_receipt", reference=app.reference)
        if app.state != ApplicationState.DRAFT:
            return redirect("web:application", reference=app.reference)
        return _review(request, app)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        result = services.application_submit(
            application=app,
            actor=request.user,
            expected_version=version,
            received_at=received_at(request),
        )
    except ApplicationError as exc:
        app.refresh_from_db()
        if exc.code == "invalid":
            return _render_saved(request, app, require=True, notice=exc.message, errors=exc.errors)
        if exc.code in ("deadline", "not_open"):
            return _render_saved(request, app, require=False, notice=exc.message, status=403)
        if exc.code == "stale":
            messages.error(request, exc.message)
            return redirect("web:application_submit", reference=app.reference)
        messages.error(request, exc.message)
        return redirect("web:application", reference=app.reference)
    if result.created:
        messages.success(request, _("Votre dossier est déposé."))
    return redirect("web:application_receipt", reference=result.application.reference)


def _review(request: HttpRequest, app: Application) -> HttpResponse:
    scheme = app.call.scheme
    if scheme is None or scheme.form is None:
        raise Http404
    check = services.application_check(app, require=True)
    # What the rules core would say if the dossier were filed today (the day is kept
    # within the call and the scheme version, as for the pre-check).
    on = reference_date(app.call, scheme)
    inputs = services.rules_inputs_of(app, check, form=scheme.form, on=on)
    preview = eligibility_json(evaluate(scheme, inputs, on))
    lang = _lang()
    return render(
        request,
        "web/applications/review.html",
        {
            "application": app,
            "call": app.call,
            "company": app.company,
            "summary": error_summary(check.errors, scheme.form, lang),
            "check": check,
            "eligibility": preview,
            "lang": lang,
            "closes": paris_text(app.call.closes_at),
            "open": app.call.is_open(),
            "status": app.call.status(),
        },
    )


def application_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    app = _dossier(request, reference)
    if not app.filed:
        return redirect("web:application", reference=app.reference)
    return render(request, "web/applications/receipt.html", _status_context(app))


# -- Status, withdrawal, answer ---------------------------------------------------------------


@dataclass
class EventView:
    at: Any
    label: str
    from_label: str
    to_label: str
    actor: str
    reason: str


def _events(app: Application) -> list[EventView]:
    out = []
    # The applicant's page: staff are named by their role, never by their e-mail.
    for e in app.events.select_related("actor").prefetch_related("actor__groups"):
        t = BY_NAME.get(e.transition)
        label = str(t.label) if t else _("Création du dossier")
        actor = name_for_applicant(e.actor)
        out.append(
            EventView(
                at=paris(e.at),
                label=label,
                from_label=str(ApplicationState(e.from_state).label) if e.from_state else "",
                to_label=str(ApplicationState(e.to_state).label),
                actor=actor,
                reason=e.reason,
            )
        )
    return out


def _status_context(app: Application) -> dict[str, Any]:
    lang = _lang()
    events = _events(app)
    request_event = next(
        (e for e in reversed(list(app.events.all())) if e.transition == "request_missing"), None
    )
    lab = lab_directory().get(app.lab) if app.lab else None
    eligible = sum(
        (line.amount for line in app.cost_lines.all() if line.eligible and line.amount),
        start=ZERO,
    )
    return {
        "application": app,
        "call": app.call,
        "company": app.company,
        "state_label": ApplicationState(app.state).label,
        "events": events,
        "eligibility": app.eligibility or None,
        "lang": lang,
        "lab": lab,
        "eligible_cost": (
            app.submitted_data.get("eligible_cost") if app.submitted_data else eligible
        ),
        "submitted_at": paris(app.submitted_at) if app.submitted_at else None,
        "request_event": request_event if app.state == ApplicationState.INCOMPLETE else None,
        "can_withdraw": "withdraw" in {t.name for t in TRANSITIONS if t.allowed_from(app.state)},
        "closes": paris_text(app.call.closes_at),
    }


def application_detail(request: HttpRequest, reference: str) -> HttpResponse:
    app = _dossier(request, reference)
    dossier_view_record(user=request.user, application=app)
    return render(request, "web/applications/detail.html", _status_context(app))


@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    app = _dossier(request, reference)
    try:
        guard("withdraw", app, request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("web:application", reference=app.reference)
    if request.method == "POST" and request.POST.get("confirm") == "oui":
        try:
            services.application_withdraw(
                application=app, actor=request.user, reason=request.POST.get("reason", "")
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Le dossier %(reference)s est retiré.") % {"reference": app.reference}
            )
        return redirect("web:application", reference=app.reference)
    return render(
        request,
        "web/applications/withdraw.html",
        {"application": app, "reason": request.POST.get("reason", "")},
    )


@require_http_methods(["GET", "POST"])
def application_answer(request: HttpRequest, reference: str) -> HttpResponse:
    app = _dossier(request, reference)
    if app.state != ApplicationState.INCOMPLETE:
        return redirect("web:application", reference=app.reference)
    message = request.POST.get("message", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            services.application_answer_missing(
                application=app, actor=request.user, message=message
            )
        except ApplicationError as exc:
            app.refresh_from_db()
            if exc.code == "invalid":
                return _render_saved(
                    request, app, require=True, notice=exc.message, errors=exc.errors
                )
            messages.error(request, exc.message)
            return redirect("web:application", reference=app.reference)
        messages.success(
            request,
            _("Votre réponse est transmise : le dossier %(reference)s est de nouveau déposé.")
            % {"reference": app.reference},
        )
        return redirect("web:application", reference=app.reference)
    context = _status_context(app)
    context["message"] = message
    return render(request, "web/applications/answer.html", context)
