"""The steering page: targets against their trajectory, money, charts, exports."""

from datetime import date

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plania.plans.enums import TargetMeasure
from plania.steering import charts, exports, report
from plania.steering.selectors import Overview, steering_overview
from plania.steering.services import SteeringError, measurement_record
from plania.steering.trajectory import AT_RISK_SHARE, ON_TRACK_SHARE


def _overview(request: HttpRequest) -> Overview:
    as_of = None
    if "au" in request.GET:
        try:
            as_of = date.fromisoformat(request.GET["au"])
        except ValueError:
            as_of = None
    overview = steering_overview(as_of=as_of)
    if overview is None:
        raise Http404
    return overview


def steering_page(request: HttpRequest) -> HttpResponse:
    overview = steering_overview()
    if overview is None:
        return render(request, "web/plans/no_plan.html")
    bars, bars_height = charts.budget_bars(overview.axes)
    targets = [
        (row, charts.bullet(row), exports.status_label(row.assessment.status))
        for row in overview.targets
    ]
    return render(
        request,
        "web/steering/page.html",
        {
            "o": overview,
            "targets": targets,
            "bars": bars,
            "bars_height": bars_height,
            "line": charts.pace_line(overview.pace),
            "on_track": int(ON_TRACK_SHARE * 100),
            "at_risk": int(AT_RISK_SHARE * 100),
            "tables": list(exports.TABLES),
        },
    )


def table_export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    if name not in exports.TABLES or fmt not in {"csv", "xlsx"}:
        raise Http404
    overview = _overview(request)
    table = exports.table(name, overview)
    stamp = overview.as_of.isoformat()
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.to_xlsx(table, title=name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="pilotage-{name}-{stamp}.{fmt}"'
    return response


def annual_report(request: HttpRequest) -> HttpResponse:
    overview = _overview(request)
    response = HttpResponse(report.annual_report(overview), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="rapport-pilotage-{overview.as_of.isoformat()}.pdf"'
    )
    return response


class MeasurementForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Année concernée"), min_value=1990, max_value=2100)
    value = forms.DecimalField(label=gettext_lazy("Valeur"), min_value=0, decimal_places=2)
    measured_on = forms.DateField(
        label=gettext_lazy("Date de la mesure"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=500,
        help_text=gettext_lazy("Qui a publié ou transmis ce chiffre, et où le retrouver."),
    )


def measurement_entry(request: HttpRequest, code: str) -> HttpResponse:
    overview = _overview(request)
    row = next((r for r in overview.targets if r.target.code == code), None)
    if row is None or row.target.measure == TargetMeasure.COMPUTED:
        raise Http404
    form = MeasurementForm(
        request.POST or None,
        initial={"measured_on": timezone.localdate(), "year": timezone.localdate().year - 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            measurement_record(target=row.target, actor=request.user, **form.cleaned_data)
        except SteeringError as exc:
            for field_name, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field_name if field_name in form.fields else None, error)
        else:
            messages.success(request, _("Mesure enregistrée."))
            return redirect("web:steering")
    return render(
        request,
        "web/steering/measurement.html",
        {"row": row, "form": form, "status": exports.status_label(row.assessment.status)},
    )
