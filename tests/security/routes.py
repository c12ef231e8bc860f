"""Route discovery for the security tests: every URL of a URL configuration, and every
operation of a django-ninja API, with the access rule each declares (plania.accounts.access).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# Routes whose access is enforced by the framework that owns them.
FRAMEWORK_PREFIXES = (
    "admin/",  # Django admin: is_staff + model permissions (+ the second factor)
    "i18n/",  # set_language: a POST that only sets a cookie
)


@dataclass(frozen=True)
class Route:
    route: str  # the pattern, prefixes joined: "entreprises/<str:siren>/"
    name: str  # "web:company" ("" when the pattern has no name)
    pattern: URLPattern

    @property
    def callback(self) -> Any:
        return self.pattern.callback

    @property
    def policy(self) -> Any:
        return getattr(self.pattern.callback, "access_policy", None)

    @property
    def parameters(self) -> list[str]:
        """The URL parameters' names, in order: ["siren", "membership_id"]."""
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield Route(prefix + str(entry.pattern), name, entry)


def project_routes(urlconf: str | None = None) -> list[Route]:
    """Every route of `urlconf` (settings.ROOT_URLCONF by default) but the framework's and
    the API's (whose operations declare their authentication: api_operations_without_auth)."""
    return [
        route
        for route in walk(get_resolver(urlconf).url_patterns)
        if not route.route.startswith(FRAMEWORK_PREFIXES) and "api/v1/" not in route.route
    ]


def routes_without_policy(urlconf: str | None = None) -> list[str]:
    return [
        f"{route.route} ({route.name})" for route in project_routes(urlconf) if route.policy is None
    ]


@dataclass(frozen=True)
class ApiOperation:
    method: str  # "GET"
    path: str  # "/api/v1/applications/{reference}"
    operation: Any  # django-ninja's Operation
    url_name: str

    @property
    def policy(self) -> Any:
        return getattr(self.operation.view_func, "access_policy", None)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


def _auth_set(auth: Any) -> bool:
    from ninja.constants import NOT_SET

    return auth is not NOT_SET and auth is not None and auth != []


def operation_auth(api: Any, router: Any, operation: Any) -> bool:
    """Whether the operation asks for authentication: its own auth, or (NOT_SET) the
    router's, then the API's."""
    from ninja.constants import NOT_SET

    own = operation.auth_param
    if own is not NOT_SET:
        return _auth_set(own)
    return _auth_set(router.auth) or _auth_set(api.auth)


def api_operations(api: Any, root: str = "/api/v1") -> list[ApiOperation]:
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                url_name = getattr(operation, "url_name", "") or operation.view_func.__name__
                full = re.sub(r"/+", "/", f"{root}{prefix}{path}")
                for method in operation.methods:
                    found.append(ApiOperation(method, full, operation, url_name))
    return found


def api_operations_without_policy(api: Any) -> list[str]:
    """Operations that declare no access rule (plania.api.access), or whose rule and
    authentication disagree: a public operation must not ask for authentication (else its
    rule is not the one applied), and every other must."""
    missing = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                policy = getattr(operation.view_func, "access_policy", None)
                label = f"{operation.methods} {prefix}{path}"
                guarded = operation_auth(api, router, operation)
                if policy is None:
                    missing.append(f"{label}: no access rule")
                elif (policy.who == "public") == guarded:
                    missing.append(f"{label}: rule {policy.who!r} but authentication {guarded}")
    return missing


def api_routes(urlconf: str | None = None) -> list[Route]:
    """The URL patterns under api/v1/ of the URL configuration."""
    return [route for route in walk(get_resolver(urlconf).url_patterns) if "api/v1/" in route.route]


def api_routes_unaccounted(api: Any, urlconf: str | None = None) -> list[str]:
    """API URL patterns that are neither an operation (whose rule is on the operation)
    nor one of django-ninja's own routes with a declared rule (plania.api.urls)."""
    names = {f"api:{op.url_name}" for op in api_operations(api)}
    return [
        f"{route.route} ({route.name})"
        for route in api_routes(urlconf)
        if route.name not in names and route.policy is None
    ]
