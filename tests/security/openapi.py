"""Checks on PlanIA's OpenAPI description that schemathesis relies on.

django-ninja names each component after its Schema class and, when two classes share a
name, silently keeps one of them (ninja/openapi/schema.py: "TODO: check if
schema['definitions'] are unique"): the description then documents the wrong fields for
every operation using the other class.
"""

import re
from collections import defaultdict
from typing import Any, get_args

from pydantic import BaseModel, ValidationError


def _types_in(annotation: Any) -> Any:
    yield annotation
    for arg in get_args(annotation):
        yield from _types_in(arg)


def schema_name_collisions(api: Any) -> dict[str, list[str]]:
    """{component name: [the PlanIA classes that claim it]} for names claimed twice."""
    claims: dict[str, set[type]] = defaultdict(set)
    visited: set[type] = set()

    def visit(annotation: Any) -> None:
        for candidate in _types_in(annotation):
            if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
                continue
            if candidate in visited:
                continue
            visited.add(candidate)
            if candidate.__module__.startswith("plania."):
                claims[candidate.__name__].add(candidate)
            for field in candidate.model_fields.values():
                visit(field.annotation)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.response_models.values():
                    visit(model)
                for model in getattr(operation.signature, "models", []):
                    visit(model)
    return {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in owners)
        for name, owners in claims.items()
        if len(owners) > 1
    }


def refs_in(node: Any, components: dict[str, Any], seen: set[str] | None = None) -> set[str]:
    """Names of the components `node` refers to, directly or through other components."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                refs_in(components.get(name, {}), components, seen)
        for value in node.values():
            refs_in(value, components, seen)
    elif isinstance(node, list):
        for value in node:
            refs_in(value, components, seen)
    return seen


def is_framework_error_answer(body: Any) -> bool:
    """Error answers made by the framework rather than by an operation: django-ninja's
    default handlers, `{"detail": "Not Found"}` (Http404), `{"detail": "CSRF check Failed"}`,
    `{"detail": "Cannot parse request body"}`, an HttpError's message, or the request
    validation error `{"detail": [{"type", "loc", "msg", ...}]}`; and PlanIA's NUL guard
    (plania.security.middleware)."""
    if not isinstance(body, dict) or set(body) != {"detail"}:
        return False
    detail = body["detail"]
    if isinstance(detail, str):
        return True
    return (
        isinstance(detail, list)
        and bool(detail)
        and all(isinstance(item, dict) and {"type", "loc", "msg"} <= item.keys() for item in detail)
    )


def _normalise(path: str) -> str:
    path = re.sub(r"\{(?:\w+:)?(\w+)\}", r"{\1}", path)
    return re.sub(r"/+", "/", path)


def response_models(api: Any, root: str = "/api/v1") -> dict[tuple[str, str], dict[Any, Any]]:
    """{(METHOD, documented path): {status: the operation's own response model}}."""
    models: dict[tuple[str, str], dict[Any, Any]] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    key = (method.upper(), _normalise(f"{root}/{prefix}/{path}"))
                    models[key] = operation.response_models
    return models


def code_accepts(models: dict[Any, Any], status: int, body: Any) -> bool:
    """Whether the answer fits the model the code itself declares for `status` (what the
    description would say without a name collision)."""
    model = models.get(status)
    if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    try:
        model.model_validate({"response": body})
    except ValidationError:
        return False
    return True
