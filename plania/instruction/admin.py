"""Admin: administrators assign officers to schemes here (or with `plania
assign_officer EMAIL SCHEME`). The instruction's records are read here; proposals are
never edited (the model refuses)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from plania.instruction.models import (
    ApplicationAssignment,
    ConflictDeclaration,
    ExpertInvitation,
    ExpertOpinion,
    InternalNote,
    Proposal,
    Review,
    SchemeAssignment,
)
from plania.schemes.selectors import scheme_versions


class SchemeAssignmentForm(forms.ModelForm):
    class Meta:
        model = SchemeAssignment
        fields = ["officer", "scheme_code"]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["scheme_code"] = forms.ChoiceField(
            label=_("Dispositif"),
            choices=sorted({(s.id, f"{s.id} — {s.title_fr}") for s in scheme_versions()}),
        )
        self.fields["officer"].queryset = (
            self.fields["officer"].queryset.filter(groups__name="officer").distinct()
        )


@admin.register(SchemeAssignment)
class SchemeAssignmentAdmin(admin.ModelAdmin):
    form = SchemeAssignmentForm
    list_display = ["scheme_code", "officer", "assigned_at", "assigned_by"]
    list_filter = ["scheme_code"]
    search_fields = ["officer__email", "scheme_code"]
    autocomplete_fields: list[str] = []

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ApplicationAssignment)
class ApplicationAssignmentAdmin(admin.ModelAdmin):
    list_display = ["application", "officer", "assigned_at"]
    search_fields = ["application__reference", "officer__email"]
    raw_id_fields = ["application", "officer", "assigned_by"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "officer", "recommendation", "proposed_amount", "updated_at"]
    search_fields = ["application__reference"]


@admin.register(InternalNote)
class InternalNoteAdmin(ReadOnlyAdmin):
    list_display = ["application", "author", "created_at"]
    search_fields = ["application__reference"]


@admin.register(ExpertInvitation)
class ExpertInvitationAdmin(ReadOnlyAdmin):
    list_display = ["application", "expert", "status", "invited_by", "invited_at"]
    list_filter = ["status"]
    search_fields = ["application__reference", "expert__email"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["invitation", "status", "declared_at"]


@admin.register(ExpertOpinion)
class ExpertOpinionAdmin(ReadOnlyAdmin):
    list_display = ["invitation", "recommendation", "submitted_at"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = [
        "application",
        "recommendation",
        "amount",
        "grant_amount",
        "advance_amount",
        "legal_basis",
        "envelope",
        "created_at",
    ]
    list_filter = ["recommendation", "legal_basis", "scheme_code"]
    search_fields = ["application__reference"]
