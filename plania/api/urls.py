"""The REST API (django-ninja) under /api/v1/; its OpenAPI description at
/api/v1/openapi.json. One router per room, in plania/api/<room>.py.

Every operation declares who may call it (plania.api.access); every error answers in one
format (plania.api.errors). No interactive documentation page: django-ninja's loads
Swagger UI from a CDN with an inline script, which the Content-Security-Policy forbids
(docs/security.md); any OpenAPI viewer reads the description.
"""

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern
from ninja import NinjaAPI

from plania.accounts.access import Policy
from plania.api.accounts import router as accounts_router
from plania.api.applications import router as applications_router
from plania.api.awards import router as awards_router
from plania.api.companies import router as companies_router
from plania.api.documents import router as documents_router
from plania.api.errors import (
    describe_format,
    document_errors,
    install_error_handlers,
    method_not_allowed,
)
from plania.api.instruction import router as instruction_router
from plania.api.messaging import router as messaging_router
from plania.api.plans import router as plans_router
from plania.api.steering import router as steering_router
from plania.security.ratelimit import ApiThrottle

# django-ninja's own routes: the description is public, as the API's shape is (the rules
# are in each operation); the root answers 404.
OWN_ROUTES = {
    "openapi-json": Policy("public"),  # the API's OpenAPI description
    "api-root": Policy("public"),  # nothing (404)
}


def _json_405(view: Any) -> Any:
    """django-ninja answers a method no operation of the path takes with a bare 405 in
    text; this answers it in the API's one error format."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(request, response["Allow"])
        return response

    return wrapper


class PlaniaAPI(NinjaAPI):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        install_error_handlers(self)

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(**kwargs))

    @property
    def urls(self) -> Any:
        patterns, app_name, namespace = super().urls
        wrapped = []
        for pattern in patterns:
            view = _json_405(pattern.callback)
            if pattern.name in OWN_ROUTES:
                view.access_policy = OWN_ROUTES[pattern.name]
            wrapped.append(URLPattern(pattern.pattern, view, pattern.default_args, pattern.name))
        return wrapped, app_name, namespace


api = PlaniaAPI(
    title="PlanIA API",
    version="1",
    description="Plans, envelopes, targets, budget balances, companies, applications, "
    "instruction, committee decisions, awards, payments and repayments.\n\n"
    "Authentication: a personal token (`Authorization: Bearer ...`, made on the account "
    "page) or the browser session (with the CSRF header on unsafe methods). Each "
    "operation says who may call it; another company's object answers 404, as one that "
    "does not exist.\n\n" + describe_format(),
    urls_namespace="api",
    docs_url=None,
    # Per token (issue 13 item 8): PLANIA_RATE_API, 429 with Retry-After past it.
    throttle=[ApiThrottle()],
)
api.add_router("/plans", plans_router)
api.add_router("/accounts", accounts_router)
api.add_router("/companies", companies_router)
api.add_router("/applications", applications_router)
api.add_router("/documents", documents_router)
api.add_router("/messages", messaging_router)
api.add_router("/instruction", instruction_router)
api.add_router("/awards", awards_router)
api.add_router("/steering", steering_router)
