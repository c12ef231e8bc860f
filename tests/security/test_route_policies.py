"""Every route declares who may use it (issue 7 item 1).

The discovery is in tests/security/routes.py; the `..._is_reported` tests show that it catches a
route added without a rule (the acceptance of issue 7: "fails when a new route has no
policy, shown by a test that adds one in a temporary URL conf").
"""

import pytest
from django.test import override_settings

from tests.security.routes import (
    api_operations,
    api_operations_without_policy,
    api_routes_unaccounted,
    project_routes,
    routes_without_policy,
)


def test_every_web_route_declares_an_access_policy():
    missing = routes_without_policy()
    assert missing == [], "routes without an access policy:\n" + "\n".join(missing)


# What a signed-in person with an unverified address may use: their own account, its
# second factor, their data and their own exports. Anything about a company, a dossier or
# an award asks for a verified address (`verified`), on the web as in the API.
OWN_ACCOUNT = ("compte/", "securite/", "exports/")


def test_only_the_person_s_own_account_is_open_without_a_verified_address():
    from plania.api.urls import api

    loose = [
        route.route
        for route in project_routes()
        if getattr(route.policy, "who", None) == "authenticated"
        and not route.route.startswith(OWN_ACCOUNT)
    ]
    assert loose == []
    loose_api = [
        op.label
        for op in api_operations(api)
        if getattr(op.policy, "who", None) == "authenticated"
        and not op.path.startswith("/api/v1/accounts/")
    ]
    assert loose_api == []


# The staff rooms: every route and operation there is for a staff role. The matrices check
# that each rule is enforced as declared; this pins that the rule itself stays a staff one.
STAFF_WEB = (
    "instruction/",
    "pilotage/",
    "aides/commissions/",
    "aides/attributions-directes/",
    "aides/versements/",
    "aides/remboursements/",
    "opendata/a-publier/",
)
STAFF_API = ("/api/v1/instruction/", "/api/v1/steering/", "/api/v1/awards/")
# The beneficiary's reads of their awards (verified; staff see every award).
BENEFICIARY_API = {"GET /api/v1/awards", "GET /api/v1/awards/{reference}"}


def test_the_staff_rooms_are_for_staff_roles_only():
    from plania.api.urls import api
    from plania.security.twofactor import STAFF_ROLES

    web = [
        f"{route.route}: {getattr(route.policy, 'who', None)}"
        for route in project_routes()
        if route.route.startswith(STAFF_WEB)
        and getattr(route.policy, "who", None) not in STAFF_ROLES
    ]
    assert web == []
    operations = [
        f"{op.label}: {getattr(op.policy, 'who', None)}"
        for op in api_operations(api)
        if op.path.startswith(STAFF_API)
        and op.label not in BENEFICIARY_API
        and not (op.policy and set(op.policy.roles) and set(op.policy.roles) <= STAFF_ROLES)
    ]
    assert operations == []


@override_settings(ROOT_URLCONF="tests.security.urls_missing_policy")
def test_a_route_added_without_a_policy_is_reported():
    assert routes_without_policy() == ["sans-regle/<int:pk>/ (web_unruled)"]
    # The discovery test itself fails on that URL configuration, naming the route.
    with pytest.raises(AssertionError, match=r"sans-regle/<int:pk>/ \(web_unruled\)"):
        test_every_web_route_declares_an_access_policy()


def test_every_api_operation_declares_an_access_policy():
    from plania.api.urls import api

    missing = api_operations_without_policy(api)
    assert missing == [], "API operations without an access policy:\n" + "\n".join(missing)
    # And every URL under /api/v1/ is one of them, or a route of django-ninja's own with
    # a declared rule (the description, the root).
    assert api_routes_unaccounted(api) == []


def test_an_api_operation_added_without_a_policy_is_reported():
    from ninja import NinjaAPI, Router

    from plania.accounts.auth import api_auth
    from plania.api.access import api_access

    api = NinjaAPI(urls_namespace="api-missing-policy")
    router = Router(auth=api_auth)
    open_router = Router()

    @router.get("/guarded")
    @api_access("verified")
    def guarded(request):  # pragma: no cover - never called
        return {}

    @router.get("/unruled")
    def unruled(request):  # pragma: no cover - never called
        return {}

    @open_router.get("/open")
    def open_(request):  # pragma: no cover - never called
        return {}

    @open_router.get("/said-public")
    @api_access("public")
    def said_public(request):  # pragma: no cover - never called
        return {}

    @open_router.get("/said-verified")
    @api_access("verified")
    def said_verified(request):  # pragma: no cover - never called
        return {}

    api.add_router("/a", router)
    api.add_router("/b", open_router)
    assert api_operations_without_policy(api) == [
        "['GET'] /a/unruled: no access rule",
        "['GET'] /b/open: no access rule",
        "['GET'] /b/said-verified: rule 'verified' but authentication False",
    ]


@override_settings(ROOT_URLCONF="tests.security.urls_api_unruled")
def test_an_api_url_outside_the_operations_is_reported():
    from plania.api.urls import api

    assert api_routes_unaccounted(api) == ["api/v1/extra/ (api-extra:extra)"]


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
    assert (
        "| GET `/api/v1/accounts/me` | authenticated | account.own "
        "| ApiTokenAuth, SessionAuth |" in table
    )
    assert "| POST `/api/v1/awards/{reference}/close` | officer, finance |" in table
    operations = api_operations(api)
    assert table.count("`/api/v1/") == len(operations)
    for op in operations:
        assert f"| {op.method} `{op.path}` | {', '.join(op.policy.roles) or op.policy.who} |" in (
            table
        )


# -- Object rules are code, and they run (issue 13 item 1) ---------------------------------


def object_rules(routes=None, operations=None) -> dict[str, list[str]]:
    """Each object rule named by a route or an API operation -> where it is named."""
    from plania.api.urls import api

    rules: dict[str, list[str]] = {}
    for route in project_routes() if routes is None else routes:
        if route.policy is not None and route.policy.objects:
            rules.setdefault(route.policy.objects, []).append(f"/{route.route}")
    for op in api_operations(api) if operations is None else operations:
        if op.policy is not None and op.policy.objects:
            rules.setdefault(op.policy.objects, []).append(op.label)
    return rules


def rules_not_in_the_access_layer(rules: dict[str, list[str]]) -> list[str]:
    from plania.core import grants

    return sorted(
        f"{where}: {rule!r}"
        for rule, wheres in rules.items()
        if not grants.known(rule)
        for where in wheres
    )


def test_every_object_rule_names_an_action_of_the_access_layer():
    assert rules_not_in_the_access_layer(object_rules()) == []


def test_an_object_rule_in_words_is_refused_and_reported():
    from types import SimpleNamespace

    from plania.accounts.access import Policy, access
    from plania.api.access import api_access

    with pytest.raises(ValueError, match="not an action"):
        Policy("verified", "member of the dossier's company")
    with pytest.raises(ValueError, match="not an action"):
        access("verified", objects="member of the dossier's company")
    with pytest.raises(ValueError, match="not an action"):
        api_access("verified", objects="member of the dossier's company")
    # A view whose policy was set by hand, in words, or with an unknown action, is named.
    routes = [
        SimpleNamespace(route="en-mots/", policy=SimpleNamespace(objects="in words")),
        SimpleNamespace(route="inconnue/", policy=SimpleNamespace(objects="dossier.unknown")),
        SimpleNamespace(route="connue/", policy=SimpleNamespace(objects="dossier.view")),
    ]
    assert rules_not_in_the_access_layer(object_rules(routes, [])) == [
        "/en-mots/: 'in words'",
        "/inconnue/: 'dossier.unknown'",
    ]


@pytest.fixture
def staff_world(world, monkeypatch):
    from django.utils import timezone

    from tests.applications.factories import DURING
    from tests.awards.dossiers import Clock
    from tests.security.staff_world import build_staff_world

    monkeypatch.setattr(timezone, "now", Clock(DURING))
    return build_staff_world(world)


def test_every_object_rule_admits_the_granted_and_refuses_the_ungranted(staff_world):
    """Runs each route's object rule: the granted person is admitted (`can`, and the
    object is in their `scope`), an ungranted one refused."""
    from plania.core import grants
    from tests.security.staff_world import CASES

    rules = object_rules()
    assert sorted(set(rules) - set(CASES)) == [], "object rules without a case to run"
    for rule in sorted(rules):
        admitted, obj, refused = CASES[rule](staff_world)
        grants.forget(admitted)
        grants.forget(refused)
        assert grants.can(admitted, rule, obj), f"{rule}: {admitted} refused ({rules[rule][0]})"
        assert not grants.can(refused, rule, obj), f"{rule}: {refused} admitted"
        if grants.ACTIONS[rule].model is not None:
            assert grants.scope(admitted, rule).filter(pk=obj.pk).exists(), rule
            assert not grants.scope(refused, rule).filter(pk=obj.pk).exists(), rule
