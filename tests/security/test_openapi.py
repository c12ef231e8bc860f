"""The OpenAPI description that schemathesis fuzzes against must say what the code does:
one component per class (django-ninja keeps one per name and drops the other silently),
each component the fields of its class, and every error answer in the one format."""

import pytest

from plania.api.errors import ApiError, framework_statuses
from tests.security.openapi import refs_in, schema_classes, schema_name_collisions


@pytest.fixture(scope="module")
def description():
    from plania.api.urls import api

    return api.get_openapi_schema(path_prefix="/api/v1/")


def test_no_two_schema_classes_share_a_component_name():
    from plania.api.urls import api

    assert schema_name_collisions(api) == {}


def test_each_component_is_its_class(description):
    """One component per class, named after it, with the class's fields: what a client
    reads is what the code validates and answers."""
    from plania.api.urls import api

    components = description["components"]["schemas"]
    classes = schema_classes(api)
    assert {cls.__name__ for cls in classes} == set(components)
    for cls in classes:
        fields = {field.alias or name for name, field in cls.model_fields.items()}
        assert set(components[cls.__name__].get("properties", {})) == fields, cls


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


def _operations(description):
    for path, methods in description["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_answer_is_documented_in_the_one_format(description):
    """Every 4xx an operation documents is `ApiError` or a schema that extends it (with
    `detail`, `code` and `errors` as ApiError has them)."""
    components = description["components"]["schemas"]
    base = components["ApiError"]
    assert set(base["required"]) == {"detail", "code"}
    for label, operation in _operations(description):
        for status, response in operation["responses"].items():
            if not 400 <= int(status) < 500:
                continue
            schema = response["content"]["application/json"]["schema"]
            (name,) = refs_in(schema, {})  # one component, referred to directly
            component = components[name]
            for field in ("detail", "code", "errors"):
                assert component["properties"][field] == base["properties"][field], (label, name)
            assert set(base["required"]) <= set(component.get("required", [])), (label, name)


def test_no_status_is_documented_twice(description):
    """django-ninja keys responses by int, JSON by string: both would be two keys."""
    for label, operation in _operations(description):
        statuses = [int(status) for status in operation["responses"]]
        assert len(statuses) == len(set(statuses)), label


def test_every_operation_documents_the_framework_s_answers(description):
    """401 and 403 where authentication is asked, 404 where an object or a role is looked
    up, 422 where there is input, 400 everywhere: what django-ninja, the NUL guard and the
    access check may answer whatever the operation's code."""
    for label, operation in _operations(description):
        documented = {int(status) for status in operation["responses"]}
        assert set(framework_statuses(operation)) <= documented, label
        guarded = bool(operation.get("security"))
        assert {401, 403, 404} <= documented if guarded else 401 not in documented, label


def test_the_description_says_the_error_format(description):
    text = description["info"]["description"]
    assert "ApiError" in text and "method_not_allowed" in text
    assert ApiError.model_fields.keys() == {"detail", "code", "errors"}
