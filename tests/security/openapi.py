"""Checks on PlanIA's OpenAPI description that schemathesis relies on.

django-ninja names each component after its Schema class and, when two classes share a
name, silently keeps one of them (ninja/openapi/schema.py: "TODO: check if
schema['definitions'] are unique"): the description then documents the wrong fields for
every operation using the other class.
"""

from collections import defaultdict
from typing import Any, get_args

from pydantic import BaseModel


def _types_in(annotation: Any) -> Any:
    yield annotation
    for arg in get_args(annotation):
        yield from _types_in(arg)


def schema_classes(api: Any) -> set[type]:
    """Every pydantic class the API's operations use, in their input or output, but
    django-ninja's own wrappers (the classes that become components)."""
    return {cls for owners in _claims(api).values() for cls in owners}


def schema_name_collisions(api: Any) -> dict[str, list[str]]:
    """{component name: [the classes that claim it]} for names claimed twice."""
    return {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in owners)
        for name, owners in _claims(api).items()
        if len(owners) > 1
    }


def _claims(api: Any) -> dict[str, set[type]]:
    claims: dict[str, set[type]] = defaultdict(set)
    visited: set[type] = set()

    def visit(annotation: Any) -> None:
        for candidate in _types_in(annotation):
            if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
                continue
            if candidate in visited:
                continue
            visited.add(candidate)
            claims[candidate.__name__].add(candidate)
            for field in candidate.model_fields.values():
                visit(field.annotation)

    # django-ninja wraps an operation's response (`NinjaResponseSchema`, one field:
    # `response`) and groups its parameters (`PathParams`, `BodyParams`...); these wrappers
    # are no components: their fields' classes are.
    wrappers = []
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                wrappers += list(operation.response_models.values())
                wrappers += list(getattr(operation.signature, "models", []))
    for wrapper in wrappers:
        if not (isinstance(wrapper, type) and issubclass(wrapper, BaseModel)):
            continue  # no body (None, django-ninja's NOT_SET)
        for field in wrapper.model_fields.values():
            visit(field.annotation)
    return claims


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
