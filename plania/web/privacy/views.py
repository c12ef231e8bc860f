"""A person's own data (issue 7 item 6): /compte/mes-donnees/ and its JSON download."""

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from plania.privacy.selectors import personal_data
from plania.privacy.services import retention_days


@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy/my_data.html", {"retention_days": retention_days("")})


@require_GET
def my_data_download(request: HttpRequest) -> HttpResponse:
    body = json.dumps(personal_data(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="plania-mes-donnees-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response
