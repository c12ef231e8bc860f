"""API tokens die with the rights they were made under (issue 13 item 9).

Signal receivers that call plania.accounts.services.revoke_api_tokens when:
- the password changes, by any path (the account page, a reset link, the admin,
  `changepassword`): Django's `set_password` leaves `_password` set until the save, and
  clears it first when it only re-hashes a password at login, so a re-hash revokes nothing;
- staff or superuser status is taken away, or a role (group) removed, from either side of
  the relation (`user.groups.remove`, `group.user_set.remove`, `clear`);
- a company membership is deleted, leaves the "active" status or stops being "owner".

A bulk `QuerySet.update` sends no signal: a service that removes rights that way calls
revoke_api_tokens itself.
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, pre_save

from plania.accounts.models import User
from plania.accounts.services import (
    REVOKED_MEMBERSHIP,
    REVOKED_PASSWORD,
    REVOKED_ROLE,
    revoke_api_tokens,
)
from plania.companies.enums import MembershipRole, MembershipStatus
from plania.companies.models import Membership


def _saves(kwargs: dict[str, Any], *fields: str) -> bool:
    update_fields = kwargs.get("update_fields")
    return update_fields is None or any(f in update_fields for f in fields)


def on_user_pre_save(sender: Any, instance: User, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    if getattr(instance, "_password", None) is not None and _saves(kwargs, "password"):
        revoke_api_tokens(instance, REVOKED_PASSWORD)
        return
    if not _saves(kwargs, "is_staff", "is_superuser"):
        return
    before = User.objects.filter(pk=instance.pk).values("is_staff", "is_superuser").first()
    if before and (
        (before["is_staff"] and not instance.is_staff)
        or (before["is_superuser"] and not instance.is_superuser)
    ):
        revoke_api_tokens(instance, REVOKED_ROLE)


def on_groups_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if action == "post_remove" and pk_set:
        user_ids = list(pk_set) if reverse else [instance.pk]
    elif action == "pre_clear":
        if reverse:
            user_ids = list(instance.user_set.values_list("pk", flat=True))
        else:
            user_ids = [instance.pk] if instance.groups.exists() else []
    else:
        return
    for user_id in user_ids:
        revoke_api_tokens(user_id, REVOKED_ROLE)


def on_membership_pre_save(
    sender: Any, instance: Membership, raw: bool = False, **kwargs: Any
) -> None:
    if raw or instance.pk is None:
        return
    before = Membership.objects.filter(pk=instance.pk).values("status", "role").first()
    if before is None:
        return
    left = before["status"] == MembershipStatus.ACTIVE and instance.status != before["status"]
    demoted = before["role"] == MembershipRole.OWNER and instance.role != before["role"]
    if left or demoted:
        revoke_api_tokens(instance.user_id, REVOKED_MEMBERSHIP)


def on_membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    if instance.status == MembershipStatus.ACTIVE:
        revoke_api_tokens(instance.user_id, REVOKED_MEMBERSHIP)


def connect() -> None:
    uid = "plania.security.revocation."
    pre_save.connect(on_user_pre_save, sender=User, dispatch_uid=uid + "user")
    m2m_changed.connect(on_groups_changed, sender=User.groups.through, dispatch_uid=uid + "groups")
    pre_save.connect(on_membership_pre_save, sender=Membership, dispatch_uid=uid + "membership")
    post_delete.connect(
        on_membership_deleted, sender=Membership, dispatch_uid=uid + "membership-delete"
    )
