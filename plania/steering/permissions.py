"""Steering's grant (plania.core.grants; docs/security.md "Grants"): the plan's figures,
aggregates and published awards (never a dossier's files or messages)."""

from typing import Any

from plania.accounts.roles import Role
from plania.core.grants import action, grant, has_role

FIGURES = action(
    "steering.figures",
    model=None,
    doc="steering: every plan, target, envelope, ledger total and award (read only)",
)


@grant(FIGURES)
def _steering(user: Any, obj: Any) -> bool:
    return has_role(user, Role.STEERING)
