"""The one JSON error body of PlanIA (the API's format, docs/api.md):

    {"detail": "what happened, for a person", "code": "invalid",
     "errors": {"field": ["message", ...]}}

Written by the API's operations and handlers (plania.api.errors) and by the middleware
that answers API routes before any view runs (plania.security.middleware): one function
for both, here below them, so that the middleware needs nothing of the API.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import JsonResponse


def error_body(
    detail: str, code: str, errors: Mapping[str, Sequence[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "detail": str(detail),
        "code": code,
        "errors": {str(f): [str(m) for m in messages] for f, messages in (errors or {}).items()},
        **extra,
    }


def error_json(
    status: int, detail: str, code: str, errors: Mapping[str, Sequence[str]] | None = None
) -> JsonResponse:
    """The format outside django-ninja (middleware, Django's 404 and 500 handlers)."""
    return JsonResponse(error_body(detail, code, errors), status=status)
