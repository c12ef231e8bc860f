from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetScope(models.TextChoices):
    PLAN = "plan", _("Plan")
    AXIS = "axis", _("Axe")
    SCHEME = "scheme", _("Dispositif")


class TargetMeasure(models.TextChoices):
    # Computed from PlanIA's own data (awards, companies...).
    COMPUTED = "computed", _("Calculé par PlanIA")
    # Entered by a person with a date and a source (training bodies, tax administration...).
    ENTERED = "entered", _("Saisi avec sa source")
    # Both, shown side by side (JEI in the region vs JEI funded by PlanIA).
    BOTH = "both", _("Calculé et saisi")


class PlanKind(models.TextChoices):
    PLAN = "plan", _("Plan")
    # A scheme adopted beside a plan, with its own envelope (e.g. "Start-Up, industrie de
    # demain": EUR 2M for 2025, outside the AI plan's EUR 60M).
    PROGRAMME = "programme", _("Programme")
