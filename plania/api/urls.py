"""The REST API (django-ninja); its OpenAPI description is at /api/openapi.json."""

from ninja import NinjaAPI

from plania.api.plans import router as plans_router

api = NinjaAPI(
    title="PlanIA API",
    version="1",
    description="Plans, envelopes, targets and budget balances of PlanIA.",
    urls_namespace="api",
)
api.add_router("/plans", plans_router)
