"""Every route declares who may use it (issue 7 item 1).

The discovery is in tests/security/routes.py; the `..._is_reported` tests show that it catches a
route added without a rule (the acceptance of issue 7: "fails when a new route has no
policy, shown by a test that adds one in a temporary URL conf").
"""

import pytest
from django.test import override_settings

from tests.security.routes import api_operations_without_auth, routes_without_policy


def test_every_web_route_declares_an_access_policy():
    missing = routes_without_policy()
    assert missing == [], "routes without an access policy:\n" + "\n".join(missing)


def test_every_api_operation_declares_its_authentication():
    from plania.api.urls import api

    missing = api_operations_without_auth(api)
    assert missing == [], "API operations without auth or an explicit public mark:\n" + (
        "\n".join(missing)
    )


@override_settings(ROOT_URLCONF="tests.security.urls_missing_policy")
def test_a_route_added_without_a_policy_is_reported():
    assert routes_without_policy() == ["sans-regle/<int:pk>/ (web_unruled)"]
    # The discovery test itself fails on that URL configuration, naming the route.
    with pytest.raises(AssertionError, match=r"sans-regle/<int:pk>/ \(web_unruled\)"):
        test_every_web_route_declares_an_access_policy()


def test_an_api_operation_added_without_authentication_is_reported():
    from ninja import NinjaAPI, Router

    from plania.accounts.auth import api_auth

    api = NinjaAPI(urls_namespace="api-missing-auth")
    router = Router(auth=api_auth)
    open_router = Router()

    @router.get("/guarded")
    def guarded(request):  # pragma: no cover - never called
        return {}

    @open_router.get("/open")
    def open_(request):  # pragma: no cover - never called
        return {}

    api.add_router("/a", router)
    api.add_router("/b", open_router)
    assert api_operations_without_auth(api) == ["['GET'] /b/open"]


def test_the_access_policies_command_prints_every_route_and_operation():
    from io import StringIO

    from django.core.management import call_command

    from plania.api.urls import api
    from tests.security.routes import project_routes

    out = StringIO()
    call_command("access_policies", stdout=out)
    table = out.getvalue()
    for route in project_routes():
        assert f"| `/{route.route}` | `{route.name}` | {route.policy.who} |" in table
    assert "**none**" not in table
    assert "| GET `/api/v1/accounts/me` | ApiTokenAuth, SessionAuth |" in table
    operations = [
        op
        for _, router in api._routers
        for view in router.path_operations.values()
        for op in view.operations
    ]
    assert table.count("`/api/v1/") == len(operations)
