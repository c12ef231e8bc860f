"""Writes of the steering room: a figure entered against a target."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.core.grants import has_role
from plania.plans.enums import TargetMeasure
from plania.plans.models import Target
from plania.steering.models import TargetMeasurement


class SteeringError(Exception):
    def __init__(self, message: str, *, code: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = errors or {}


@transaction.atomic
def measurement_record(
    *,
    target: Target,
    year: int,
    value: Any,
    measured_on: date,
    source: str,
    actor: Any,
) -> TargetMeasurement:
    """Record a figure reported for `target` for `year` (a correction is a new row)."""
    if not has_role(actor, Role.STEERING) and not has_role(actor, Role.ADMIN):
        raise SteeringError(_("Réservé au pilotage."), code="forbidden")
    errors: dict[str, list[str]] = {}
    if target.measure == TargetMeasure.COMPUTED:
        errors["target"] = [_("Cet objectif est calculé par PlanIA : rien à saisir.")]
    last_year = (target.period_end - timedelta(days=1)).year
    if not (target.period_start.year - 1 <= int(year) <= last_year):
        errors["year"] = [_("L'année doit être dans la période de l'objectif (ou juste avant).")]
    try:
        amount = Decimal(str(value).replace(",", ".").replace("\u202f", "").replace(" ", ""))
        if not amount.is_finite() or amount < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = [_("Indiquez un nombre positif ou nul.")]
        amount = Decimal(0)
    if measured_on > timezone.localdate():
        errors["measured_on"] = [_("La date de la mesure ne peut pas être dans le futur.")]
    if not (source or "").strip():
        errors["source"] = [_("Citez la source de la mesure.")]
    if errors:
        raise SteeringError(
            " ".join(m for ms in errors.values() for m in ms), code="invalid", errors=errors
        )
    return TargetMeasurement.objects.create(
        target=target,
        year=int(year),
        value=amount.quantize(Decimal("0.01")),
        measured_on=measured_on,
        source=source.strip()[:500],
        entered_by=actor,
    )
