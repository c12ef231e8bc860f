from django.contrib import admin

from plania.companies.models import Company, Membership, SireneEstablishment, SireneUnit


class MembershipInline(admin.TabularInline):
    """Read-only: a representative is verified by ProConnect, a mandate or an invitation
    (plania.companies.services.representative_verify), never by editing a row here."""

    model = Membership
    extra = 0
    fields = ["user", "role", "status", "verified_via", "created_at", "approved_at", "approved_by"]
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = [
        "siren",
        "name",
        "verified",
        "active",
        "data_source",
        "departement",
        "size_band",
        "refreshed_at",
    ]
    # Officers look for the unverified (hand-typed) companies first.
    list_filter = ["verified", "active", "data_source", "category", "departement"]
    search_fields = ["siren", "name", "head_office_siret"]
    readonly_fields = ["created_at", "created_by", "refreshed_at", "data_source"]
    inlines = [MembershipInline]


@admin.register(SireneUnit)
class SireneUnitAdmin(admin.ModelAdmin):
    """Read-only: the store is what INSEE published, rewritten by each import."""

    list_display = ["siren", "name", "state", "category", "naf_code", "size_band", "imported_at"]
    search_fields = ["siren", "denomination", "last_name"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(SireneEstablishment)
class SireneEstablishmentAdmin(admin.ModelAdmin):
    list_display = ["siret", "siren", "is_head_office", "state", "postcode", "commune_code"]
    search_fields = ["siret", "siren"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
