"""Figures entered by a person against a target: a value for a year, with a date and a
source (people trained reported by training bodies, JEI in the region from the tax
administration...). Computed figures are never stored: plania.steering.metrics derives
them from PlanIA's data on each read."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TargetMeasurement(models.Model):
    target = models.ForeignKey(
        "plans.Target",
        on_delete=models.RESTRICT,
        related_name="measurements",
        verbose_name=_("objectif"),
    )
    # The calendar year the figure is about (for a "total" target: the level reached at
    # the end of that year).
    year = models.PositiveSmallIntegerField(_("année"))
    value = models.DecimalField(_("valeur"), max_digits=16, decimal_places=2)
    measured_on = models.DateField(_("date de la mesure"))
    source = models.CharField(_("source"), max_length=500)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("saisie par"),
    )
    entered_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    class Meta:
        # A correction is a new row: the latest entry of a year is the one that counts.
        ordering = ["target", "year", "-entered_at", "-pk"]
        verbose_name = _("mesure d'un objectif")
        verbose_name_plural = _("mesures des objectifs")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="steering_measurement_value_not_negative",
                violation_error_message=_("Une mesure ne peut pas être négative."),
            ),
            models.CheckConstraint(
                condition=~Q(source=""),
                name="steering_measurement_has_source",
                violation_error_message=_("Une mesure cite sa source."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1990) & Q(year__lte=2100),
                name="steering_measurement_year_plausible",
                violation_error_message=_("Année invraisemblable."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.year}: {self.value}"
