from typing import Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed


def _roles_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """A person's roles changed: what the access layer remembered on that user object
    (plania.core.grants) is dropped, so the same object answers with the new roles."""
    if action.startswith("post_"):
        from plania.core.grants import forget

        forget(instance)


class AccountsConfig(AppConfig):
    name = "plania.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        m2m_changed.connect(
            _roles_changed,
            sender=get_user_model().groups.through,
            dispatch_uid="plania.accounts.roles_changed",
        )
