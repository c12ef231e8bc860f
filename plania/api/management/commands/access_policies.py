"""`plania access_policies`: the table of who may use each route, from the code itself
(plania.accounts.access on every view; plania.api.access on every API operation, with its
authentication), in Markdown. docs/security.md keeps a copy; this command prints the
current one."""

from typing import Any

from django.core.management.base import BaseCommand
from django.urls import URLPattern, URLResolver, get_resolver


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Any:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield prefix + str(entry.pattern), name, entry.callback


def _auth_names(auth: Any) -> str:
    from ninja.constants import NOT_SET

    if auth is NOT_SET or auth is None or auth == []:
        return ""
    items = auth if isinstance(auth, list | tuple) else [auth]
    # An auth is an instance (ApiTokenAuth(), django_auth) or a plain function.
    return ", ".join(getattr(item, "__name__", type(item).__name__) for item in items)


class Command(BaseCommand):
    help = "Print the access policy of every web route and API operation (Markdown)."

    def handle(self, *args: Any, **options: Any) -> None:
        from plania.api.urls import api

        out = self.stdout
        out.write("| route | name | who | objects |\n|---|---|---|---|\n")
        for route, name, callback in _walk(get_resolver().url_patterns):
            if route.startswith(("admin/", "i18n/")) or "api/v1/" in route:
                continue
            policy = getattr(callback, "access_policy", None)
            who = policy.who if policy else "**none**"
            objects = policy.objects if policy else ""
            out.write(f"| `/{route}` | `{name}` | {who} | {objects} |\n")
        out.write("\n| API operation | who | objects | authentication |\n|---|---|---|---|\n")
        for prefix, router in api._routers:
            for path, path_view in router.path_operations.items():
                for operation in path_view.operations:
                    policy = getattr(operation.view_func, "access_policy", None)
                    who = ", ".join(policy.roles) or policy.who if policy else "**none**"
                    objects = policy.objects if policy else ""
                    if operation.auth_param is None:  # auth=None: explicitly none
                        auth = "none"
                    else:
                        own = _auth_names(operation.auth_param)
                        inherited = _auth_names(router.auth) or _auth_names(api.auth)
                        auth = own or inherited or "none"
                    for method in operation.methods:
                        out.write(
                            f"| {method} `/api/v1{prefix}{path}` | {who} | {objects} | {auth} |\n"
                        )
