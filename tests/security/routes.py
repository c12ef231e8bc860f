"""Route discovery for the security tests: every URL of a URL configuration, and every
operation of a django-ninja API, with the access rule each declares (plania.core.access).
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


def api_operations_without_auth(api: Any) -> list[str]:
    """Operations of a NinjaAPI with neither an authentication nor an explicit public mark."""
    from ninja.constants import NOT_SET

    def set_(auth: Any) -> bool:
        return auth is not NOT_SET and auth is not None and auth != []

    missing = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                # An operation's own auth wins; NOT_SET inherits the router's, then the API's.
                own = operation.auth_param
                inherited = router.auth if set_(router.auth) else api.auth
                declared = (
                    set_(own)
                    or (own is NOT_SET and set_(inherited))
                    or getattr(operation.view_func, "public_api", False)
                )
                if not declared:
                    missing.append(f"{operation.methods} {prefix}{path}")
    return missing
