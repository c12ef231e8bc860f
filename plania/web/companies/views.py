"""Company pages for a signed-in person (access rules in urls.py): identify a company,
enter one by hand, list one's companies, see one of them. Views are thin: a form carries
what was typed, one service decides, its CompanyError is shown beside the field, nothing
typed is lost."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plania.companies import services
from plania.companies.enums import MembershipRole, MembershipStatus
from plania.companies.models import Membership
from plania.companies.reference import occitanie
from plania.companies.selectors import companies_of, memberships_of, pending_requests
from plania.web.companies.forms import IdentifyForm, ManualCompanyForm


def _after_joining(request: HttpRequest, result: services.Identification) -> HttpResponse:
    company = result.company
    if result.membership.status == MembershipStatus.PENDING:
        messages.info(
            request,
            _(
                "%(name)s est déjà suivie dans PlanIA par une autre personne : votre demande "
                "pour la rejoindre lui a été transmise. Vous aurez accès à l'entreprise dès "
                "qu'elle l'aura acceptée."
            )
            % {"name": company.name},
        )
        return redirect("web:my_companies")
    if result.membership_created:
        messages.success(
            request,
            _("Entreprise %(name)s identifiée : vous en êtes propriétaire dans PlanIA.")
            % {"name": company.name}
            if result.membership.role == MembershipRole.OWNER
            else _("Entreprise %(name)s identifiée : vous en êtes membre.")
            % {"name": company.name},
        )
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
        {"memberships": list(memberships_of(request.user))},
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
        },
    )


@require_POST
def member_approve(request: HttpRequest, siren: str, membership_id: int) -> HttpResponse:
    company = get_object_or_404(companies_of(request.user), siren=siren)
    membership = get_object_or_404(Membership, pk=membership_id, company=company)
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
