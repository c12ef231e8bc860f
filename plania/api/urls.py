"""The REST API (django-ninja) under /api/v1/; OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs. One router per room, in plania/api/<room>.py."""

from ninja import NinjaAPI

from plania.api.accounts import router as accounts_router
from plania.api.applications import router as applications_router
from plania.api.awards import router as awards_router
from plania.api.companies import router as companies_router
from plania.api.documents import router as documents_router
from plania.api.instruction import router as instruction_router
from plania.api.messaging import router as messaging_router
from plania.api.plans import router as plans_router
from plania.api.steering import router as steering_router

api = NinjaAPI(
    title="PlanIA API",
    version="1",
    description="Plans, envelopes, targets, budget balances, companies, applications, "
    "instruction, committee decisions, awards, payments and repayments.",
    urls_namespace="api",
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
