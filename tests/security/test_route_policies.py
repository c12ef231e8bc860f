"""Every route declares who may use it (issue 7 item 1)."""

from django.urls import URLPattern, URLResolver, get_resolver

# Routes whose access is enforced by the framework that owns them.
FRAMEWORK_PREFIXES = (
    "admin/",  # Django admin: is_staff + model permissions
    "i18n/",  # set_language: a POST that only sets a cookie
)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_every_web_route_declares_an_access_policy():
    missing = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(FRAMEWORK_PREFIXES) or "api/v1/" in route:
            continue
        if getattr(pattern.callback, "access_policy", None) is None:
            missing.append(f"{route} ({pattern.name})")
    assert missing == [], "routes without an access policy:\n" + "\n".join(missing)


def test_every_api_operation_declares_its_authentication():
    from ninja.constants import NOT_SET

    from plania.api.urls import api

    def set_(auth):
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
    assert missing == [], "API operations without auth or an explicit public mark:\n" + (
        "\n".join(missing)
    )
