"""Background exports (plania/ops/tasks.py): ask for one, follow it, download its file.

Each person sees only the exports they asked for, and only while they still hold a role
that may ask for that kind (plania.ops.models.EXPORT_ROLES); anything else is a 404. The
list is open to anyone signed in: it offers the kinds their roles may ask for, if any.
"""

from datetime import date
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from plania.documents.storage import private_storage
from plania.ops.models import Export, ExportKind, ExportStatus
from plania.ops.services import ExportError, export_kinds_for, export_request, may_export

LISTED = 20


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Export"), choices=ExportKind.choices)
    as_of = forms.DateField(
        label=_("Situation au (rapport annuel ; vide : aujourd'hui)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: object, kinds: list[ExportKind], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]  # type: ignore[attr-defined]


def _own(request: HttpRequest, public_id: UUID) -> Export:
    export = get_object_or_404(Export, public_id=public_id, requested_by=request.user)
    if not may_export(request.user, export.kind):
        raise Http404
    return export


@require_http_methods(["GET", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    kinds = export_kinds_for(request.user)
    form = ExportRequestForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and kinds and form.is_valid():
        as_of: date | None = form.cleaned_data["as_of"]
        try:
            export = export_request(kind=form.cleaned_data["kind"], actor=request.user, as_of=as_of)
        except ExportError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Export demandé : le fichier se prépare."))
            return redirect("web:export", public_id=export.public_id)
    exports = [e for e in Export.objects.filter(requested_by=request.user, kind__in=kinds)[:LISTED]]
    return render(
        request, "web/ops/exports.html", {"form": form if kinds else None, "exports": exports}
    )


@require_safe
def export_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    export = _own(request, public_id)
    response = render(request, "web/ops/export.html", {"export": export})
    if not export.finished:
        # The page reloads itself until the file is ready (no script: the policy allows none).
        response["Refresh"] = "3"
    return response


@require_safe
def export_file(request: HttpRequest, public_id: UUID) -> FileResponse:
    export = _own(request, public_id)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    handle = private_storage().open(export.file, "rb")
    return FileResponse(handle, as_attachment=True, filename=export.filename)
