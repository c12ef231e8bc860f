"""Writes about calls and dossiers. Keyword-only, one transaction each, the acting user
passed in; a refusal is an `ApplicationError` whose message is for the person (French
msgid, translated in the active language) with, when it is about fields, one list of
messages per field (`errors`). Mails leave after commit.

Every service that changes a dossier first locks its row (select_for_update) and reads
its state again under the lock: a double click, a resent request or two tabs make one
submission, and a stale autosave is refused rather than applied.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plania.applications import emails, workflow
from plania.applications.calls import call_problems, paris, paris_text
from plania.applications.eligibility import (
    company_inputs,
    eligibility_json,
    evaluate,
    json_value,
    prior_de_minimis,
    rules_file_sha256,
)
from plania.applications.enums import ApplicationState
from plania.applications.labs import lab_directory
from plania.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationSequence,
    Call,
    CostLine,
    DeclaredAid,
)
from plania.applications.selectors import application_of, applications_of
from plania.applications.validation import DossierCheck, Errors, check_dossier, non_blank_rows
from plania.companies.models import Company
from plania.companies.selectors import companies_for_drafts
from plania.plans.models import Envelope
from plania.rules.form_values import (
    COST_LINE_KEYS,
    DECLARED_AID_KEYS,
    ValueRefused,
    clean_value,
    parse_amount,
    parse_boolean,
    parse_date,
    rules_inputs,
)
from plania.rules.forms import FormDefinition
from plania.rules.params import ParameterNotInForce
from plania.rules.schemes import Scheme
from plania.schemes.selectors import scheme_version

# Longest text kept for one typed value: what a person types is kept, within reason.
RAW_MAX = 20_000
ROW_TEXT_MAX = 60


# How a person who asked to represent a company becomes a verified representative.
HOW_TO_BE_VERIFIED = gettext_lazy(
    "connectez-vous avec ProConnect (le SIRET de votre organisation vous rattache), "
    "déposez un pouvoir signé par le représentant légal (rubrique « Mes entreprises »), "
    "ou demandez à un représentant vérifié de vous inviter."
)
UNVERIFIED_MESSAGE = gettext_lazy(
    "Votre demande de rattachement à l'entreprise est en attente : votre brouillon est "
    "conservé, et vous pourrez le déposer dès que vous serez représentant vérifié. Pour "
    "cela, connectez-vous avec ProConnect (le SIRET de votre organisation vous rattache), "
    "déposez un pouvoir signé par le représentant légal (rubrique « Mes entreprises »), "
    "ou demandez à un représentant vérifié de vous inviter."
)


class ApplicationError(Exception):
    """A refusal. `code`: invalid, deadline, not_open, state, stale, forbidden, config."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        errors: Errors | None = None,
        current_version: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors: Errors = errors or {}
        self.current_version = current_version


# -- Calls ------------------------------------------------------------------------------


@transaction.atomic
def call_open(
    *,
    scheme_code: str,
    version: str,
    envelope: Envelope,
    opens_at: datetime,
    closes_at: datetime,
    title_fr: str = "",
    title_en: str = "",
    reference: str = "",
    actor: Any = None,
) -> Call:
    """Open a call on a scheme version; `ApplicationError("invalid")` naming each problem."""
    errors = call_problems(
        scheme_code=scheme_code, version=version, opens_at=opens_at, closes_at=closes_at
    )
    if reference and Call.objects.filter(reference=reference).exists():
        errors["reference"] = [_("Un appel porte déjà la référence %(r)s.") % {"r": reference}]
    if errors:
        raise ApplicationError(
            " ".join(m for msgs in errors.values() for m in msgs), code="invalid", errors=errors
        )
    scheme = scheme_version(scheme_code, version)
    assert scheme is not None
    year = paris(opens_at).year
    if not reference:
        base = slugify(f"{scheme_code}-{version}")[:90]
        reference, n = base, 1
        while Call.objects.filter(reference=reference).exists():
            n += 1
            reference = f"{base}-{n}"
    return Call.objects.create(
        reference=reference,
        scheme_code=scheme_code,
        scheme_version=version,
        envelope=envelope,
        title_fr=title_fr or f"{scheme.title_fr} — appel {year}",
        title_en=title_en or f"{scheme.title_en} — {year} call",
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


# -- Creating a dossier -------------------------------------------------------------------


def reference_prefix(scheme: Scheme) -> str:
    if scheme.form is not None and scheme.form.reference_prefix:
        return scheme.form.reference_prefix
    return "".join(part[0] for part in scheme.id.split("-") if part).upper()[:6] or "DOS"


def _next_number(key: str) -> int:
    ApplicationSequence.objects.get_or_create(key=key)
    # The UPDATE locks the counter row until commit: two dossiers never share a number.
    ApplicationSequence.objects.filter(key=key).update(last=F("last") + 1)
    return ApplicationSequence.objects.values_list("last", flat=True).get(key=key)


def _scheme_of(call: Call) -> tuple[Scheme, FormDefinition]:
    scheme = call.scheme
    if scheme is None or scheme.form is None:
        raise ApplicationError(
            _(
                "Le dispositif de cet appel (%(scheme)s %(version)s) est introuvable ou n'a "
                "pas de formulaire : prévenez la Région."
            )
            % {"scheme": call.scheme_code, "version": call.scheme_version},
            code="config",
        )
    return scheme, scheme.form


def _closed_message(call: Call) -> str:
    day, time = paris_text(call.closes_at)
    return _(
        "L'appel « %(call)s » est clos depuis le %(date)s à %(time)s (heure de Paris) : le "
        "dossier ne peut plus être déposé. Votre brouillon est conservé tel quel."
    ) % {"call": call.title, "date": day, "time": time}


def _not_open_message(call: Call) -> str:
    day, time = paris_text(call.opens_at)
    return _(
        "L'appel « %(call)s » ouvre le %(date)s à %(time)s (heure de Paris) : le dépôt sera "
        "possible à partir de ce moment. Votre brouillon est conservé."
    ) % {"call": call.title, "date": day, "time": time}


@dataclass(frozen=True)
class Created:
    application: Application
    created: bool


@transaction.atomic
def application_create(*, call: Call, company: Company, actor: Any) -> Created:
    """A draft for `company` on `call`, or the company's dossier on it when it has one
    (so that a double click opens the same dossier). A person who only asked to represent
    the company (pending) may start a draft, which stays theirs alone; they never reach
    the company's other dossiers."""
    if not companies_for_drafts(actor).filter(pk=company.pk).exists():
        raise ApplicationError(_("Vous n'agissez pas pour cette entreprise."), code="forbidden")
    existing = (
        Application.objects.filter(call=call, company=company)
        .exclude(state=ApplicationState.WITHDRAWN)
        .first()
    )
    if existing is not None:
        if not applications_of(actor).filter(pk=existing.pk).exists():
            raise ApplicationError(
                _(
                    "L'entreprise a déjà un dossier sur cet appel. Seul un représentant "
                    "vérifié de l'entreprise peut l'ouvrir : %(how)s"
                )
                % {"how": str(HOW_TO_BE_VERIFIED)},
                code="forbidden",
            )
        return Created(existing, False)
    if not company.active:
        raise ApplicationError(
            _("%(name)s est cessée au répertoire Sirene : elle ne peut pas déposer de dossier.")
            % {"name": company.name},
            code="forbidden",
        )
    if call.status() == "closed":
        raise ApplicationError(_closed_message(call), code="deadline")
    scheme, _form = _scheme_of(call)
    key = f"{reference_prefix(scheme)}-{paris(call.opens_at).year}"
    try:
        with transaction.atomic():
            application = Application.objects.create(
                reference=f"{key}-{_next_number(key):05d}",
                call=call,
                company=company,
                created_by=actor,
            )
    except IntegrityError:
        # A concurrent request created it first (one dossier per company and call).
        existing = (
            Application.objects.filter(call=call, company=company)
            .exclude(state=ApplicationState.WITHDRAWN)
            .first()
        )
        if existing is None:
            raise
        return Created(existing, False)
    ApplicationEvent.objects.create(
        application=application,
        transition="create",
        from_state="",
        to_state=ApplicationState.DRAFT,
        actor=actor,
        at=timezone.now(),
    )
    return Created(application, True)


# -- Saving a draft -----------------------------------------------------------------------


def _raw(value: object) -> object:
    """A typed value as it is kept: text as typed, JSON scalars as they came."""
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, str):
        return value[:RAW_MAX]
    return str(value)[:RAW_MAX]


def _row_text(value: object) -> str:
    return "" if value is None else str(value).strip()[:ROW_TEXT_MAX]


def _lock(application: Application) -> Application:
    """The dossier again, its row locked until the commit; not its call's nor its
    company's rows: a transition must not queue behind every other dossier of its call."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "company")
        .get(pk=application.pk)
    )


def _check_applicant(application: Application, actor: Any) -> None:
    if not workflow.is_applicant(actor, application):
        raise ApplicationError(
            _("Vous n'agissez pas pour l'entreprise de ce dossier."), code="forbidden"
        )


def _lock_as_applicant(application: Application, actor: Any) -> Application:
    """`_lock` and `_check_applicant` in one query: the dossier read through `actor`'s
    active membership (selectors.application_of), its row locked (the join is not)."""
    app = application_of(actor, application.reference, lock=True)
    if app is not None:
        return app
    app = _lock(application)
    _check_applicant(app, actor)  # not a member (any more): "forbidden"
    return app


def _stale_message(application: Application) -> str:
    _day, time = paris_text(application.updated_at)
    return _(
        "Ce dossier a été modifié ailleurs (dans un autre onglet ou par un autre membre de "
        "l'entreprise) à %(time)s : vos dernières saisies n'ont pas été enregistrées, pour ne "
        "pas écraser cette version. Elles sont encore affichées ici : copiez-les ou "
        "enregistrez à nouveau pour remplacer l'autre version."
    ) % {"time": time}


def _set_rows(application: Application, cost_lines: Sequence[Mapping[str, object]]) -> None:
    CostLine.objects.filter(application=application).delete()
    objs = []
    for i, row in enumerate(non_blank_rows(cost_lines, COST_LINE_KEYS)):
        text = _row_text(row.get("amount"))
        try:
            amount: Decimal | None = parse_amount(row.get("amount")) if text else None
        except ValueRefused:
            amount = None
        try:
            eligible = parse_boolean(row.get("eligible")) if row.get("eligible") else False
        except ValueRefused:
            eligible = False
        objs.append(
            CostLine(
                application=application,
                position=i,
                label=str(row.get("label") or "").strip()[:300],
                category=str(row.get("category") or "").strip()[:50],
                amount=amount,
                amount_text=text,
                eligible=eligible,
            )
        )
    CostLine.objects.bulk_create(objs)


def _set_aids(application: Application, aids: Sequence[Mapping[str, object]]) -> None:
    DeclaredAid.objects.filter(application=application).delete()
    objs = []
    for i, row in enumerate(non_blank_rows(aids, DECLARED_AID_KEYS)):
        amount_text = _row_text(row.get("amount"))
        date_text = _row_text(row.get("granted_on"))
        try:
            amount: Decimal | None = parse_amount(row.get("amount")) if amount_text else None
        except ValueRefused:
            amount = None
        try:
            granted_on = parse_date(row.get("granted_on")) if date_text else None
        except ValueRefused:
            granted_on = None
        objs.append(
            DeclaredAid(
                application=application,
                position=i,
                granting_body=str(row.get("granting_body") or "").strip()[:300],
                granted_on=granted_on,
                granted_on_text=date_text,
                amount=amount,
                amount_text=amount_text,
                regulation=str(row.get("regulation") or "").strip()[:50],
            )
        )
    DeclaredAid.objects.bulk_create(objs)


def _mirror(application: Application, form: FormDefinition) -> None:
    """Copy the requested amount and the lab into their columns when readable."""
    requested = form.field_for_input("requested_eur")
    application.requested_amount = None
    if requested is not None and application.answers.get(requested.id) not in (None, ""):
        try:
            value = clean_value(requested, application.answers[requested.id])
            application.requested_amount = value if isinstance(value, Decimal) else None
        except ValueRefused:
            pass
    lab_field = form.lab_field()
    application.lab = ""
    if lab_field is not None:
        code = application.answers.get(lab_field.id)
        if isinstance(code, str) and code.strip() in lab_directory().codes():
            application.lab = code.strip()


@transaction.atomic
def application_save_draft(
    *,
    application: Application,
    actor: Any,
    answers: Mapping[str, object] | None = None,
    cost_lines: Sequence[Mapping[str, object]] | None = None,
    declared_aids: Sequence[Mapping[str, object]] | None = None,
    expected_version: int | None = None,
    merge_answers: bool = False,
) -> Application:
    """Keep what was typed, valid or not (the checks are shown, never lose a value).

    `expected_version` is the version the typist's page was built on: when the dossier
    has moved on since (another tab, another member), nothing is written and an
    ApplicationError("stale") carries the current version. `None` parts are left as they
    are; `merge_answers` updates only the answers given (the API's PATCH).
    """
    app = _lock_as_applicant(application, actor)
    if expected_version is not None and expected_version != app.version:
        raise ApplicationError(_stale_message(app), code="stale", current_version=app.version)
    if not app.editable:
        raise ApplicationError(
            _("Le dossier %(reference)s est à l'état « %(state)s » : il ne peut plus être modifié.")
            % {"reference": app.reference, "state": ApplicationState(app.state).label},
            code="state",
            current_version=app.version,
        )
    _scheme, form = _scheme_of(app.call)
    if answers is not None:
        kept = dict(app.answers) if merge_answers else {}
        for f in form.fields():
            if f.id in answers:
                kept[f.id] = _raw(answers[f.id])
        app.answers = kept
        _mirror(app, form)
    if cost_lines is not None:
        _set_rows(app, cost_lines)
    if declared_aids is not None:
        _set_aids(app, declared_aids)
    app.save()
    return app


# -- Checking and freezing -----------------------------------------------------------------


def cost_rows(application: Application) -> list[dict[str, object]]:
    return [
        {
            "label": line.label,
            "category": line.category,
            "amount": line.amount_text,
            "eligible": line.eligible,
        }
        for line in application.cost_lines.all()
    ]


def aid_rows(application: Application) -> list[dict[str, object]]:
    return [
        {
            "granting_body": aid.granting_body,
            "granted_on": aid.granted_on_text,
            "amount": aid.amount_text,
            "regulation": aid.regulation,
        }
        for aid in application.declared_aids.all()
    ]


def application_check(application: Application, *, require: bool) -> DossierCheck:
    """Every problem of the dossier as saved (`require`: as a submission would see it)."""
    _scheme, form = _scheme_of(application.call)
    return check_dossier(
        form,
        answers=application.answers,
        cost_lines=cost_rows(application),
        declared_aids=aid_rows(application),
        lab_codes=lab_directory().codes(),
        require=require,
    )


def rules_inputs_of(
    application: Application, check: DossierCheck, *, form: FormDefinition, on: Any
) -> dict[str, object]:
    inputs: dict[str, object] = {
        **rules_inputs(form, check.answers.values),
        **company_inputs(application.company),
        "application_date": on,
        "eligible_cost_eur": check.eligible_cost,
        "prior_de_minimis_eur": prior_de_minimis(
            [(a.granted_on, a.amount) for a in check.declared_aids], on
        ),
    }
    return inputs


def _snapshot(
    application: Application, check: DossierCheck, form: FormDefinition
) -> dict[str, Any]:
    company = application.company
    lab = lab_directory().get(application.lab) if application.lab else None
    return {
        "company": {
            "siren": company.siren,
            "name": company.name,
            "creation_date": json_value(company.creation_date),
            "departement": company.departement,
            "verified": company.verified,
            "data_source": company.data_source,
        },
        "call": {
            "reference": application.call.reference,
            "title_fr": application.call.title_fr,
            "title_en": application.call.title_en,
        },
        "answers": {f.id: json_value(check.answers.values.get(f.id)) for f in form.fields()},
        "cost_lines": [
            {
                "label": c.label,
                "category": c.category,
                "amount": json_value(c.amount),
                "eligible": c.eligible,
            }
            for c in check.cost_lines
        ],
        "eligible_cost": str(check.eligible_cost),
        "total_cost": str(check.total_cost),
        "declared_aids": [
            {
                "granting_body": a.granting_body,
                "granted_on": json_value(a.granted_on),
                "amount": json_value(a.amount),
                "regulation": a.regulation,
            }
            for a in check.declared_aids
        ],
        "lab": (
            {"code": lab.code, "name": lab.name, "city": lab.city, "parent": lab.parent}
            if lab
            else None
        ),
        "requested_amount": json_value(application.requested_amount),
    }


def _freeze(application: Application, *, filed_on: Any) -> None:
    """Check the dossier as a submission sees it, then attach the scheme version, the
    rules file's hash, the eligibility with its explanation and a snapshot of the dossier."""
    scheme, form = _scheme_of(application.call)
    check = application_check(application, require=True)
    if not check.ok:
        raise ApplicationError(
            _(
                "Le dossier ne peut pas être déposé : %(n)s point(s) à corriger, listés "
                "ci-dessous et signalés à côté de chaque champ. Rien de ce que vous avez "
                "saisi n'est perdu."
            )
            % {"n": sum(len(v) for v in check.errors.values())},
            code="invalid",
            errors=check.errors,
        )
    try:
        result = evaluate(
            scheme, rules_inputs_of(application, check, form=form, on=filed_on), filed_on
        )
    except ParameterNotInForce as exc:
        # A call left open past its scheme version's validity: refuse clearly (the draft is
        # kept) instead of failing; the Region must publish the version in force.
        raise ApplicationError(
            _(
                "Le dépôt est impossible : les règles du dispositif ne sont pas en vigueur "
                "à cette date (%(detail)s). Votre brouillon est conservé ; contactez la "
                "Région."
            )
            % {"detail": exc},
            code="config",
        ) from exc
    application.scheme_code = scheme.id
    application.scheme_version = scheme.version
    application.rules_sha256 = rules_file_sha256(scheme)
    application.eligibility = eligibility_json(result)
    snapshot = _snapshot(application, check, form)
    snapshot["sha256"] = hashlib.sha256(
        json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    application.submitted_data = snapshot


# -- Transitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    application: Application
    created: bool  # False: it had been submitted already (double click, resent request)


def application_submit(
    *,
    application: Application,
    actor: Any,
    expected_version: int | None = None,
    received_at: datetime | None = None,
) -> Submitted:
    """Submit the dossier while its call is open, to the second (closes_at excluded).

    Idempotent: under the row lock, a dossier already filed is returned as it is, with
    its receipt, and nothing is written. A refusal (deadline, invalid dossier) leaves the
    draft exactly as it was. `expected_version`: the version the person reviewed; a
    dossier changed since (another tab) is not submitted unseen.

    `received_at`: the instant the request reached the platform
    (plania.ops.middleware.received_at), so that a request sent before the deadline is not refused
    for having waited in a queue during the rush; it is the dossier's filing instant.
    Never later than now; None means now.
    """
    now = timezone.now()  # the instant the request arrived, not the end of a lock wait
    if received_at is not None and received_at < now:
        now = received_at
    if application.state == ApplicationState.DRAFT and now >= application.call.closes_at:
        # Too late for a draft: refused without a transaction or a lock (most requests
        # after the closing second of a rush). A dossier filed meanwhile by an earlier
        # request keeps its receipt; this request is refused like any late one.
        _check_applicant(application, actor)
        raise ApplicationError(_closed_message(application.call), code="deadline")
    with transaction.atomic():
        app = _lock_as_applicant(application, actor)
        if app.filed and app.state != ApplicationState.WITHDRAWN:
            return Submitted(app, False)
        if expected_version is not None and expected_version != app.version:
            raise ApplicationError(
                _(
                    "Le dossier a été modifié à %(time)s, après l'affichage de la page de "
                    "vérification (dans un autre onglet ?) : relisez-le avant de le déposer."
                )
                % {"time": paris_text(app.updated_at)[1]},
                code="stale",
                current_version=app.version,
            )
        if not workflow.is_verified_applicant(actor, app):
            raise ApplicationError(str(UNVERIFIED_MESSAGE), code="unverified")
        try:
            workflow.guard("submit", app, actor)
        except workflow.WorkflowError as exc:
            raise ApplicationError(exc.message, code=exc.code) from None
        if now < app.call.opens_at:
            raise ApplicationError(_not_open_message(app.call), code="not_open")
        if now >= app.call.closes_at:
            raise ApplicationError(_closed_message(app.call), code="deadline")
        _freeze(app, filed_on=paris(now).date())
        app.submitted_at = now
        app.receipt_number = f"AR-{app.reference}-{paris(now):%Y%m%d-%H%M%S}"
        workflow.submit(app, actor=actor, at=now)
        # robust: a mail server down must not turn a kept submission into an error page.
        transaction.on_commit(lambda: emails.receipt_send(app.pk, actor.pk), robust=True)
    return Submitted(app, True)


@transaction.atomic
def application_withdraw(*, application: Application, actor: Any, reason: str = "") -> Application:
    app = _lock_as_applicant(application, actor)
    try:
        workflow.withdraw(app, actor=actor, reason=reason.strip()[:2000])
    except workflow.WorkflowError as exc:
        raise ApplicationError(exc.message, code=exc.code) from None
    return app


@transaction.atomic
def application_request_missing(
    *, application: Application, actor: Any, message: str
) -> Application:
    """An officer asks for missing items: the dossier goes to "incomplete", the applicant
    is notified after commit and can edit it, then answer (back to "submitted")."""
    app = _lock(application)
    if not message.strip():
        raise ApplicationError(
            _("Dites ce qui manque : le message est obligatoire."),
            code="invalid",
            errors={"message": [_("Dites ce qui manque : le message est obligatoire.")]},
        )
    try:
        workflow.request_missing(app, actor=actor, reason=message.strip())
    except workflow.WorkflowError as exc:
        raise ApplicationError(exc.message, code=exc.code) from None
    transaction.on_commit(lambda: emails.missing_items_send(app.pk), robust=True)
    return app


@transaction.atomic
def application_answer_missing(
    *, application: Application, actor: Any, message: str = ""
) -> Application:
    """The applicant answers a request for missing items: the dossier, checked again as a
    submission, goes back to "submitted" with its eligibility recomputed on the original
    filing date. The call's deadline does not apply (the officer asked after it)."""
    app = _lock_as_applicant(application, actor)
    try:
        workflow.guard("answer_missing", app, actor)
    except workflow.WorkflowError as exc:
        raise ApplicationError(exc.message, code=exc.code) from None
    assert app.submitted_at is not None
    _freeze(app, filed_on=paris(app.submitted_at).date())
    workflow.answer_missing(app, actor=actor, reason=message.strip()[:5000])
    return app
