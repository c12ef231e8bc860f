"""Public pages of the schemes' rules (CRPA L312-1-3: the rules of the algorithms used for
individual decisions are published; a scheme's rule file, rendered, is that publication)."""

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from plania.rules.schemes import Scheme
from plania.schemes.selectors import (
    criterion_rules,
    parameter_rows,
    scheme_version,
    scheme_versions,
)


def _reference_date(scheme: Scheme):  # type: ignore[no-untyped-def]
    """Today if the version is in force, else the nearest day of its validity."""
    today = timezone.localdate()
    if today < scheme.valid_from:
        return scheme.valid_from
    if scheme.valid_until is not None and today >= scheme.valid_until:
        return scheme.valid_until - timedelta(days=1)
    return today


def scheme_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/schemes/list.html", {"schemes": scheme_versions()})


def scheme_detail(request: HttpRequest, identifier: str, version: str) -> HttpResponse:
    scheme = scheme_version(identifier, version)
    if scheme is None:
        raise Http404
    on = _reference_date(scheme)
    rows = parameter_rows(scheme, on)
    return render(
        request,
        "web/schemes/detail.html",
        {
            "scheme": scheme,
            "on": on,
            "parameters": rows,
            "criteria": criterion_rules(scheme, on),
            "to_be_set": [r for r in rows if r.to_be_set],
            "examples": [r for r in rows if r.example],
        },
    )
