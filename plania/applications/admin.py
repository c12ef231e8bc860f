"""Admin: calls are opened here (or with `plania open_call`); dossiers are read here, their
history never edited (the model refuses, and the admin offers no form for it)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from plania.applications.models import Application, ApplicationEvent, Call, CostLine, DeclaredAid
from plania.schemes.selectors import scheme_versions


class CallAdminForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = [
            "reference",
            "scheme_code",
            "scheme_version",
            "envelope",
            "title_fr",
            "title_en",
            "opens_at",
            "closes_at",
        ]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        versions = scheme_versions()
        self.fields["scheme_code"] = forms.ChoiceField(
            label=_("Dispositif"),
            choices=sorted({(s.id, f"{s.id} — {s.title_fr}") for s in versions}),
        )
        self.fields["scheme_version"] = forms.ChoiceField(
            label=_("Version du dispositif"),
            choices=sorted({(s.version, s.version) for s in versions}),
        )


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    form = CallAdminForm
    list_display = [
        "reference",
        "title_fr",
        "scheme_code",
        "scheme_version",
        "opens_at",
        "closes_at",
    ]
    list_select_related = ["envelope"]
    search_fields = ["reference", "title_fr", "title_en", "scheme_code"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A call with dossiers cannot be deleted (RESTRICT); an empty one can.
        return obj is None or not obj.applications.exists()


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class CostLineInline(ReadOnlyInline):
    model = CostLine
    fields = ["position", "label", "category", "amount_text", "amount", "eligible"]


class DeclaredAidInline(ReadOnlyInline):
    model = DeclaredAid
    fields = ["position", "granting_body", "granted_on_text", "amount_text", "regulation"]


class EventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["at", "transition", "from_state", "to_state", "actor", "reason"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["reference", "company", "call", "state", "requested_amount", "submitted_at"]
    list_filter = ["state", "call"]
    list_select_related = ["company", "call"]
    search_fields = ["reference", "company__name", "company__siren", "receipt_number"]
    inlines = [CostLineInline, DeclaredAidInline, EventInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # State changes go through the workflow's services, which write the history.
        return [f.name for f in Application._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
