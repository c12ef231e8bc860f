"""The accounts' grants (plania.core.grants; docs/security.md "Grants"): what is the
person's own (their account, tokens, second-factor device, exports, memberships)."""

from typing import Any

from plania.core.grants import action, grant

OWN = action(
    "account.own",
    model=None,
    doc="the person's own account and what is theirs (tokens, device, exports, data)",
)
OWNER_FIELDS = ("user_id", "requested_by_id", "owner_id")


@grant(OWN)
def _own(user: Any, obj: Any) -> bool:
    if obj is None:
        return False
    if type(obj) is type(user) or getattr(obj, "_meta", None) is getattr(user, "_meta", 0):
        return obj.pk == user.pk
    return any(getattr(obj, name, None) == user.pk for name in OWNER_FIELDS)
