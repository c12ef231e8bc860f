"""The one access layer (issue 13 item 1): "may this person do this action on this object".

Every page, API operation and service asks `can(user, action, obj)` (or narrows a
queryset with `scope(user, action, queryset)`); nothing else decides who may do what.

Each room declares the grants it knows in its own `permissions.py`, registered here by
action name (`grant("dossier.staff")`): a room low in the layers (applications) names the
action, rooms above it (instruction, committee, payments) add the staff who reach it. No
room imports a room above it; the registry knows none.

A grant is a function `(user) -> Q | bool`: `True` every object, `False`/`None` none, a
`Q` the objects of the action's model it admits. So one definition serves both a list
(`scope`) and one object (`can`: is the object in that scope). A grant for an action
without a model (`model=None`) is a plain predicate `(user, obj) -> bool`.

Everything a grant loads about the person (roles, schemes, invitations) and every answer
is remembered on the user object, i.e. once per request (`remember`).

Route policies name an action as their `objects` rule (plania.accounts.access):
tests/security/test_route_policies.py runs it against the security world.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.module_loading import autodiscover_modules

CACHE = "_plania_grants"


@dataclass
class Action:
    name: str
    model: str | None  # "app_label.Model", or None for a plain predicate
    doc: str
    grants: list[Callable[..., Any]] = field(default_factory=list)


ACTIONS: dict[str, Action] = {}
_loaded = False


def action(name: str, *, model: str | None, doc: str) -> str:
    """Declare an action (once, by the room that owns its objects)."""
    if name in ACTIONS:
        raise ValueError(f"action {name!r} declared twice")
    ACTIONS[name] = Action(name, model, doc)
    return name


def grant(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add a grant to an action: `(user) -> Q | bool` (or `(user, obj) -> bool`)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        ACTIONS[name].grants.append(func)
        return func

    return register


def load() -> None:
    """Import every room's `permissions` module (their grants), once."""
    global _loaded
    if not _loaded:
        _loaded = True
        autodiscover_modules("permissions")


def known(name: str) -> bool:
    load()
    return name in ACTIONS


# -- Per-request memory ------------------------------------------------------------------------


def active(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def remember(user: Any, key: Any, compute: Callable[[], Any]) -> Any:
    """`compute()` once per user object (a request's `request.user`)."""
    cache = getattr(user, CACHE, None)
    if cache is None:
        cache = {}
        setattr(user, CACHE, cache)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget(user: Any) -> None:
    """Drop what was remembered (after the person's roles or grants change)."""
    if user is not None and getattr(user, CACHE, None) is not None:
        setattr(user, CACHE, None)


def roles_of(user: Any) -> frozenset[str]:
    if not active(user):
        return frozenset()
    return remember(user, "roles", lambda: frozenset(user.groups.values_list("name", flat=True)))


def has_role(user: Any, role: str) -> bool:
    """A member of the role's group (a superuser has every role)."""
    if not active(user):
        return False
    return bool(user.is_superuser) or str(role) in roles_of(user)


def has_any_role(user: Any, *roles: str) -> bool:
    return any(has_role(user, role) for role in roles)


# -- Questions ---------------------------------------------------------------------------------


def _action(name: str) -> Action:
    load()
    try:
        return ACTIONS[name]
    except KeyError:
        raise ValueError(f"unknown action {name!r}") from None


def condition(user: Any, name: str) -> Q | bool:
    """The union of the action's grants for `user`: True, False or a Q."""
    act = _action(name)

    def compute() -> Q | bool:
        if not active(user):
            return False
        found: Q | None = None
        for func in act.grants:
            got = func(user)
            if got is True:
                return True
            if isinstance(got, Q):
                found = got if found is None else found | got
        return False if found is None else found

    return remember(user, ("condition", name), compute)


def scope(user: Any, name: str, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The objects of the action `user` may reach (a queryset of the action's model)."""
    act = _action(name)
    if act.model is None:
        raise ValueError(f"action {name!r} has no model")
    if queryset is None:
        queryset = apps.get_model(act.model)._default_manager.all()
    cond = condition(user, name)
    if cond is True:
        return queryset
    if cond is False:
        return queryset.none()
    return queryset.filter(pk__in=queryset.model._default_manager.filter(cond).values("pk"))


def can(user: Any, name: str, obj: Any = None) -> bool:
    """May `user` do `name` on `obj`? Remembered per user object and object."""
    act = _action(name)
    if not active(user):
        return False
    if act.model is None:
        key = ("can", name, type(obj).__name__, getattr(obj, "pk", obj))
        return remember(user, key, lambda: any(func(user, obj) for func in act.grants))
    if obj is None or getattr(obj, "pk", None) is None:
        return False

    def compute() -> bool:
        cond = condition(user, name)
        if isinstance(cond, bool):
            return cond
        return type(obj)._default_manager.filter(cond, pk=obj.pk).exists()

    return remember(user, ("can", name, obj.pk), compute)
