from django.contrib import admin

from plania.plans.models import Axis, ContextFigure, Envelope, Plan, PlanRevision, Source, Target


class AxisInline(admin.TabularInline):
    model = Axis
    extra = 0
    fields = ["number", "code", "name_fr", "budget", "budget_source"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "kind", "start_date", "end_date", "budget"]
    inlines = [AxisInline]


@admin.register(Envelope)
class EnvelopeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "plan", "axis", "parent", "cap", "floor", "budget_year"]
    list_filter = ["plan"]
    # Amounts change through plan files (budget revisions recorded in the ledger).
    readonly_fields = ["cap", "floor", "budget_year", "plan", "axis", "parent"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "scope", "baseline", "target_value", "measure"]
    list_filter = ["plan", "scope", "measure"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "plan"]


@admin.register(ContextFigure)
class ContextFigureAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "value", "unit_fr"]


@admin.register(PlanRevision)
class PlanRevisionAdmin(admin.ModelAdmin):
    list_display = ["plan", "loaded_at", "actor_label", "file_name"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
