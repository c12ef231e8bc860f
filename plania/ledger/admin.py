from django.contrib import admin

from plania.ledger.models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: movements are recorded by services, never typed in the admin."""

    list_display = [
        "id",
        "value_date",
        "kind",
        "envelope",
        "amount",
        "budget_year",
        "reference",
        "actor",
        "actor_label",
    ]
    list_filter = ["kind", "budget_year", "envelope__plan"]
    search_fields = ["reference", "reason"]
    list_select_related = ["envelope", "actor"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
