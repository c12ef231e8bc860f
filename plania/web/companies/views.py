"""Company pages for a signed-in person (access rules in urls.py): identify a company,
enter one by hand, list one's companies, see one of them, become its verified
representative (a mandate, an invitation); and the officers' review of mandates. Views
are thin: a form carries what was typed, one service decides, its CompanyError is shown
beside the field, nothing typed is lost."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from plania.companies import services
from plania.companies.enums import MembershipRole, MembershipStatus
from plania.companies.models import Mandate, Membership
from plania.companies.reference import occitanie
from plania.companies.selectors import (
    companies_for_drafts,
    companies_of,
    invitations_for,
    mandates_of,
    memberships_of,
    pending_mandates,
    pending_requests,
)
from plania.documents.inspection import PDF, UploadRefused
from plania.documents.services import DocumentError, check_file, oversized_error
from plania.documents.serving import content_disposition
from plania.documents.storage import private_storage
from plania.documents.uploads import oversized_uploads
from plania.web.companies.forms import (
    ConfirmForm,
    IdentifyForm,
    InviteForm,
    MandateDecisionForm,
    MandateForm,
    ManualCompanyForm,
)


def _after_joining(request: HttpRequest, result: services.Identification) -> HttpResponse:
    company = result.company
    if result.membership.status == MembershipStatus.PENDING:
        messages.info(
            request,
            _(
                "Entreprise %(name)s identifiée : demande de rattachement en attente. Vous "
                "n'êtes pas encore représentant vérifié de l'entreprise : vous pouvez préparer "
                "un brouillon de dossier pour elle, mais vous ne voyez ni ses autres dossiers "
                "ni ses aides, et vous ne pouvez pas déposer. Pour être vérifié : connectez-vous "
                "avec ProConnect (le SIRET de votre organisation vous rattache), déposez un "
                "pouvoir signé par son représentant légal (ci-dessous), ou demandez à un "
                "représentant vérifié de vous inviter."
            )
            % {"name": company.name},
        )
        return redirect("web:my_companies")
    else:
        messages.success(
            request,
            _("Entreprise %(name)s : informations mises à jour.") % {"name": company.name},
        )
    return redirect("web:company", siren=company.siren)


def my_companies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/companies/list.html",
        {
            "memberships": list(memberships_of(request.user)),
            "invitations": list(invitations_for(request.user)),
            "mandates": list(mandates_of(request.user)[:20]),
        },
    )


def company_identify(request: HttpRequest) -> HttpResponse:
    form = IdentifyForm(request.POST or None)
    manual_siren = ""
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        try:
            result = services.company_identify(identifier=identifier, actor=request.user)
        except services.CompanyError as exc:
            form.add_error("identifier", exc.message)
            if exc.code in {"not_found", "unavailable"}:
                manual_siren = services.normalise_digits(identifier)[:9]
        else:
            return _after_joining(request, result)
    return render(
        request,
        "web/companies/identify.html",
        {"form": form, "manual_siren": manual_siren},
    )


def company_manual(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        siren = services.normalise_digits(request.GET.get("siren", ""))[:9]
        form = ManualCompanyForm(initial={"siren": siren} if siren else None)
        return render(request, "web/companies/manual.html", {"form": form})
    form = ManualCompanyForm(request.POST)
    form_valid = form.is_valid()
    data = {
        "siren": form.cleaned_data.get("siren", ""),
        "name": form.cleaned_data.get("name", ""),
        "creation_date": form.cleaned_data.get("creation_date"),
        "postcode": form.cleaned_data.get("postcode", ""),
        "naf_code": form.cleaned_data.get("naf_code", ""),
        "size_band": form.cleaned_data.get("size_band", ""),
        "category": form.cleaned_data.get("category", ""),
    }
    if form_valid:
        try:
            result = services.company_create_unverified(actor=request.user, **data)
        except services.CompanyError as exc:
            errors = exc.errors
        else:
            return _after_joining(request, result)
    else:
        # Every problem at once: the service's checks for the fields the form accepted.
        errors = services.manual_entry_errors(**data)
    for field_name, field_errors in errors.items():
        if field_name in form.fields and field_name not in form.errors:
            for message in field_errors:
                form.add_error(field_name, message)
        elif field_name not in form.fields:  # pragma: no cover - every field is in the form
            form.add_error(None, field_errors)
    return render(request, "web/companies/manual.html", {"form": form})


def company_detail(request: HttpRequest, siren: str) -> HttpResponse:
    company = get_object_or_404(companies_of(request.user), siren=siren)
    membership = company.memberships.get(user=request.user)
    is_owner = membership.role == MembershipRole.OWNER
    return render(
        request,
        "web/companies/detail.html",
        {
            "company": company,
            "membership": membership,
            "is_owner": is_owner,
            "pending": list(pending_requests(company)) if is_owner else [],
            "departement_name": occitanie().get(company.departement, ""),
            "invite_form": InviteForm() if is_owner else None,
        },
    )


@require_POST
def member_approve(request: HttpRequest, siren: str, membership_id: int) -> HttpResponse:
    company = get_object_or_404(companies_of(request.user), siren=siren)
    membership = get_object_or_404(Membership, pk=membership_id, company=company)
    if not ConfirmForm(request.POST).is_valid():  # pragma: no cover - no field to fail
        return redirect("web:company", siren=company.siren)
    try:
        services.membership_approve(membership=membership, actor=request.user)
    except services.CompanyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(person)s est maintenant membre de l'entreprise.")
            % {"person": membership.user.get_full_name() or membership.user.email},
        )
    return redirect("web:company", siren=company.siren)


@require_POST
def company_invite(request: HttpRequest, siren: str) -> HttpResponse:
    company = get_object_or_404(companies_of(request.user), siren=siren)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Saisissez l'adresse e-mail de la personne à inviter."))
        return redirect("web:company", siren=company.siren)
    try:
        invitation = services.invitation_create(
            company=company, email=form.cleaned_data["email"], actor=request.user
        )
    except services.CompanyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Invitation envoyée à %(email)s : la personne l'acceptera depuis « Mes "
                "entreprises » une fois connectée avec cette adresse."
            )
            % {"email": invitation.email},
        )
    return redirect("web:company", siren=company.siren)


@require_POST
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(invitations_for(request.user), pk=invitation_id)
    if not ConfirmForm(request.POST).is_valid():  # pragma: no cover - no field to fail
        return redirect("web:my_companies")
    try:
        membership = services.invitation_accept(invitation=invitation, actor=request.user)
    except services.CompanyError as exc:
        messages.error(request, exc.message)
        return redirect("web:my_companies")
    messages.success(
        request,
        _("Vous représentez désormais %(name)s.") % {"name": membership.company.name},
    )
    return redirect("web:company", siren=membership.company.siren)


@require_http_methods(["GET", "POST"])
def mandate_upload(request: HttpRequest, siren: str) -> HttpResponse:
    """A person who asked to represent a company files the mandate its legal
    representative signed; an officer will examine it."""
    company = get_object_or_404(companies_for_drafts(request.user), siren=siren)
    form = MandateForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        too_big = oversized_error(oversized_uploads(request))
        if too_big is not None:
            form.add_error("file", too_big.message)
        elif form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                checked = check_file(uploaded)
                if checked.detected.key != PDF.key:
                    raise UploadRefused(
                        _(
                            "Le pouvoir se dépose en PDF : « %(name)s » n'en est pas un. "
                            "Enregistrez-le ou numérisez-le en PDF, puis déposez-le à nouveau."
                        )
                        % {"name": checked.display_name},
                        code="type",
                    )
                services.mandate_submit(
                    company=company,
                    actor=request.user,
                    fileobj=uploaded,
                    original_name=checked.display_name,
                    content_type=checked.detected.mime,
                    size=checked.size,
                    sha256=checked.sha256,
                )
            except (UploadRefused, DocumentError) as exc:
                form.add_error("file", exc.message)
            except services.CompanyError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Pouvoir déposé pour %(name)s : un instructeur l'examinera. Vous "
                        "serez prévenu·e par e-mail de sa décision."
                    )
                    % {"name": company.name},
                )
                return redirect("web:my_companies")
    return render(request, "web/companies/mandate.html", {"company": company, "form": form})


# -- officers ------------------------------------------------------------------------


def mandate_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/companies/mandates.html",
        {"mandates": list(pending_mandates()), "form": MandateDecisionForm()},
    )


def mandate_file(request: HttpRequest, mandate_id: int) -> FileResponse:
    mandate = get_object_or_404(Mandate, pk=mandate_id)
    response = FileResponse(
        private_storage().open(mandate.stored_name, "rb"), content_type=mandate.content_type
    )
    response["Content-Disposition"] = content_disposition(mandate.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def mandate_decide(request: HttpRequest, mandate_id: int) -> HttpResponse:
    mandate = get_object_or_404(pending_mandates(), pk=mandate_id)
    form = MandateDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez « Accepter » ou « Refuser »."))
        return redirect("web:mandates")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.mandate_decide(
            mandate=mandate, actor=request.user, accept=accept, reason=form.cleaned_data["reason"]
        )
    except services.CompanyError as exc:
        messages.error(request, exc.message)
    else:
        person = mandate.user.get_full_name() or mandate.user.email
        messages.success(
            request,
            (
                _("Pouvoir accepté : %(person)s représente %(name)s.")
                if accept
                else _("Pouvoir refusé : %(person)s en est prévenu·e avec le motif.")
            )
            % {"person": person, "name": mandate.company.name},
        )
    return redirect("web:mandates")
