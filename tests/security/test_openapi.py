"""The OpenAPI description that schemathesis fuzzes against must say what the code does."""

import pytest

from tests.security.openapi import is_framework_error_answer, schema_name_collisions


def test_schema_class_names_are_unique_across_api_modules():
    """django-ninja keeps one component per class name: two `ErrorOut` classes in two
    routers make the description show one of them for both. Reported, not failed, while
    the API rooms rename their classes (docs/security.md, "API fuzzing")."""
    from plania.api.urls import api

    collisions = schema_name_collisions(api)
    if collisions:
        pytest.xfail(
            "known defect, to fix in the API modules (one class name per component): "
            + "; ".join(f"{name}: {', '.join(owners)}" for name, owners in collisions.items())
        )


def test_the_collision_finder_sees_two_classes_of_one_name():
    from ninja import NinjaAPI, Router, Schema

    def make(field):
        return type(
            "ThingOut", (Schema,), {"__annotations__": {field: str}, "__module__": "plania.x"}
        )

    first, second = make("a"), make("b")
    router_a, router_b = Router(), Router()
    router_a.get("/a", response=first)(lambda request: {"a": ""})
    router_b.get("/b", response=list[second])(lambda request: [])
    api = NinjaAPI(urls_namespace="collision-test")
    api.add_router("/a", router_a)
    api.add_router("/b", router_b)
    assert schema_name_collisions(api) == {"ThingOut": ["plania.x.ThingOut", "plania.x.ThingOut"]}


def test_framework_error_answers_are_told_from_documented_errors():
    assert is_framework_error_answer({"detail": "Not Found"})
    assert is_framework_error_answer({"detail": [{"type": "missing", "loc": ["body"], "msg": "x"}]})
    assert not is_framework_error_answer({"detail": "Refusé", "code": "invalid"})
    assert not is_framework_error_answer(
        {"detail": [{"field": "siren", "message": "x", "code": "y"}]}
    )
