from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plania.accounts.models import ApiToken, User
from plania.accounts.services import api_token_revoke


@admin.register(User)
class PlaniaUserAdmin(UserAdmin):
    list_display = (
        "email",
        "username",
        "first_name",
        "last_name",
        "email_verified_at",
        "is_staff",
        "is_active",
    )
    list_filter = (*UserAdmin.list_filter, "email_verified_at")
    search_fields = ("email", "username", "first_name", "last_name")
    readonly_fields = ("account_email_sent_at",)
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Compte PlanIA"),
            {"fields": ("email_verified_at", "language", "account_email_sent_at")},
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owner (the secret is shown only to them); the admin can
    look and revoke."""

    list_display = (
        "name",
        "user",
        "key_prefix",
        "scope",
        "created_at",
        "last_used_at",
        "expires_on",
        "revoked_at",
        "revoked_reason",
    )
    list_filter = ("scope", "revoked_at", "expires_on", "revoked_reason")
    search_fields = ("name", "key_prefix", "user__email")
    readonly_fields = [f.name for f in ApiToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description=_("Révoquer les jetons choisis"), permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Jetons révoqués."))
