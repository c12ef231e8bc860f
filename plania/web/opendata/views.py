"""Public transparency page, SCDL open data files, and the staff "to publish" list."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from plania.documents.serving import content_disposition
from plania.opendata import publication, scdl, selectors
from plania.opendata.services import OpendataError, publication_record
from plania.ops import checkpoint
from plania.web.fields import errors_text
from plania.web.opendata.forms import PublishedForm

PER_PAGE = 50


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def _filters(request: HttpRequest) -> selectors.Filters:
    get = request.GET
    year = get.get("annee", "")
    scheme = get.get("dispositif", "")
    departement = get.get("departement", "")
    return selectors.Filters(
        scheme=scheme if scheme in scdl._scheme_titles() else "",
        departement=departement if departement in selectors.departements() else "",
        year=int(year) if year.isdigit() and len(year) == 4 else None,
        amount_min=_decimal(get.get("min")),
        amount_max=_decimal(get.get("max")),
    )


def _public_row(r: dict[str, Any]) -> dict[str, Any]:
    name, siret = publication.identity(
        r["natural_person"],
        r["company_name"] or r["beneficiary_name"],
        r["company_siret"] or r["beneficiary_siret"],
    )
    return {
        **r,
        "name": name,
        "siret": siret,
        "scheme": scdl.scheme_title(r["scheme_code"]) if r["scheme_code"] else r["envelope_name"],
        "departement_name": selectors.departements().get(r["departement"] or "", ""),
    }


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors.public_awards(filters)
    totals = selectors.totals(qs)
    paginator = Paginator(selectors.page_rows(qs), PER_PAGE)
    paginator.__dict__["count"] = totals.count  # already counted with the sums
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The latest checkpoint of the hash chains (plania.ops.checkpoint), for anyone to keep.
    registers = checkpoint.summary()
    return render(
        request,
        "web/opendata/transparency.html",
        {
            "filters": filters,
            "totals": totals,
            "page": page,
            "rows": [_public_row(r) for r in page.object_list],
            "query": query.urlencode(),
            "schemes": sorted(scdl._scheme_titles().items(), key=lambda kv: kv[1]),
            "departements": sorted(selectors.departements().items()),
            "years": range(timezone.localdate().year, 2023, -1),
            "registers": checkpoint.shown(registers) if registers else [],
            "registers_at": registers.written_at if registers else None,
            "registers_fingerprint": registers.fingerprint if registers else "",
        },
    )


def _refused(exc: scdl.ScdlError) -> HttpResponse:
    return HttpResponse(
        str(exc),
        status=503,
        content_type="text/plain; charset=utf-8",
        headers={"Retry-After": "3600"},
    )


@require_GET
def subventions_csv(request: HttpRequest) -> HttpResponse:
    try:
        export = scdl.export()
    except scdl.ScdlError as exc:
        return _refused(exc)
    response = StreamingHttpResponse(
        scdl.csv_lines(export.rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition("subventions.csv")
    return response


@require_GET
def subventions_json(request: HttpRequest) -> HttpResponse:
    try:
        export = scdl.export()
    except scdl.ScdlError as exc:
        return _refused(exc)
    return StreamingHttpResponse(
        scdl.json_chunks(export.rows()), content_type="application/json; charset=utf-8"
    )


@require_http_methods(["GET", "POST"])
def to_publish(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST":
        form = PublishedForm(request.POST)
        if not form.is_valid():
            # A malformed date used to be taken for today: the register would have said so.
            messages.error(request, errors_text(form))
            return redirect("web:opendata_to_publish")
        try:
            n = publication_record(
                award_ids=[a.pk for a in form.cleaned_data["award"]],
                published_on=form.cleaned_data["published_on"] or today,
                actor=request.user,
            )
        except OpendataError as exc:
            messages.error(request, exc.message)
        else:
            text = _("%(n)s aide(s) enregistrée(s) comme publiée(s).") % {"n": n}
            messages.success(request, text)
        return redirect("web:opendata_to_publish")
    try:
        scdl.attributing_body()
        problem = ""
    except scdl.ScdlError as exc:
        problem = str(exc)
    return render(
        request,
        "web/opendata/to_publish.html",
        {"items": scdl.to_publish(today=today), "today": today, "problem": problem},
    )
