"""The plan as data: Plan -> Axis -> Envelope (a budget line, possibly nested) and Target.

Every figure points at the Source it comes from (the seed article, a deliberation...).
Amounts here are what the plan file says; what is allocated, committed and paid lives in
the ledger (plania.ledger), never in these rows.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from plania.plans.enums import PlanKind, TargetMeasure, TargetScope

MONEY = {"max_digits": 14, "decimal_places": 2}


def years_label(start: date, end: date) -> str:
    """A half-open period as people say it: [2024-01-01, 2029-01-01) is "2024–2028"."""
    last = (end - timedelta(days=1)).year
    return str(start.year) if last == start.year else f"{start.year}–{last}"


class BilingualName(models.Model):
    name_fr = models.CharField(_("nom (français)"), max_length=300)
    name_en = models.CharField(_("nom (anglais)"), max_length=300)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr

    def __str__(self) -> str:
        return self.name_fr


class Plan(BilingualName):
    code = models.SlugField(_("code"), max_length=100, unique=True)
    kind = models.CharField(_("nature"), max_length=20, choices=PlanKind.choices)
    region = models.CharField(_("région"), max_length=100)
    # Half-open period [start_date, end_date).
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin (exclue)"))
    adopted_on = models.DateField(_("adopté le"), null=True, blank=True)
    adopted_by_fr = models.CharField(_("adopté par"), max_length=200, blank=True)
    adopted_by_en = models.CharField(_("adopted by"), max_length=200, blank=True)
    adoption_source = models.ForeignKey(
        "Source", on_delete=models.RESTRICT, related_name="+", null=True, blank=True
    )
    budget = models.DecimalField(_("budget (EUR)"), **MONEY)
    # Nullable only because the plan and its sources are created together (Source points
    # at its plan); plan_load always sets it.
    budget_source = models.ForeignKey(
        "Source", on_delete=models.RESTRICT, related_name="+", null=True
    )
    summary_fr = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    # The sentence each figure comes from, by field name (for auditors).
    quotes = models.JSONField(default=dict, blank=True)
    related_plan = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="programmes",
        help_text=_("Pour un programme : le plan à côté duquel il a été adopté."),
    )

    class Meta:
        ordering = ["start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="plan_budget_not_negative",
                violation_error_message=_("Le budget d'un plan ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="plan_period_not_empty",
                violation_error_message=_("La fin du plan doit suivre son début."),
            ),
        ]

    @property
    def years(self) -> str:
        return years_label(self.start_date, self.end_date)


class Source(models.Model):
    """Where a figure comes from: a document, an article, a deliberation."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sources", null=True)
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="source_key_unique_in_plan")
        ]

    def __str__(self) -> str:
        return self.title


class Axis(BilingualName):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="axes")
    number = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=100)
    budget = models.DecimalField(_("budget (EUR)"), **MONEY)
    budget_source = models.ForeignKey(Source, on_delete=models.RESTRICT, related_name="+")
    summary_fr = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    # Priority sectors (axis 2): a list of {"code", "name_fr", "name_en"}.
    sectors = models.JSONField(default=list, blank=True)
    sectors_source = models.ForeignKey(
        Source, on_delete=models.RESTRICT, related_name="+", null=True, blank=True
    )
    quotes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name_plural = "axes"
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="axis_number_unique"),
            models.UniqueConstraint(fields=["plan", "code"], name="axis_code_unique"),
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="axis_budget_not_negative",
                violation_error_message=_("Le budget d'un axe ne peut pas être négatif."),
            ),
        ]


class Envelope(BilingualName):
    """A budget line the ledger commits against.

    Each axis has a root envelope carrying the axis budget; sub-envelopes (parent set) are
    lines inside it: a commitment on a sub-envelope counts against its own cap (when it has
    one) and against every envelope above it. A floor is a minimum to reach ("more than
    EUR 1M for post-bac training"), reported as met or not, never enforced as a cap.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="envelopes")
    axis = models.ForeignKey(
        Axis, on_delete=models.CASCADE, related_name="envelopes", null=True, blank=True
    )
    parent = models.ForeignKey(
        "self", on_delete=models.RESTRICT, related_name="children", null=True, blank=True
    )
    code = models.SlugField(max_length=100, unique=True)
    cap = models.DecimalField(_("plafond (EUR)"), null=True, blank=True, **MONEY)
    cap_source = models.ForeignKey(
        Source, on_delete=models.RESTRICT, related_name="+", null=True, blank=True
    )
    floor = models.DecimalField(_("plancher (EUR)"), null=True, blank=True, **MONEY)
    floor_source = models.ForeignKey(
        Source, on_delete=models.RESTRICT, related_name="+", null=True, blank=True
    )
    # Set for an annual envelope (the startup scheme's EUR 2M "for 2025"): commitments
    # must then be charged to that budget year. Empty: a multi-year authority (AP/AE).
    budget_year = models.PositiveSmallIntegerField(null=True, blank=True)
    summary_fr = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    quotes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["plan", "axis__number", "position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0),
                name="envelope_cap_not_negative",
                violation_error_message=_("Le plafond d'une enveloppe ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(floor__gte=0),
                name="envelope_floor_not_negative",
                violation_error_message=_("Le plancher d'une enveloppe ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(cap__isnull=True) | Q(floor__lte=F("cap")),
                name="envelope_floor_within_cap",
                violation_error_message=_("Le plancher d'une enveloppe dépasse son plafond."),
            ),
        ]

    def root(self) -> "Envelope":
        node = self
        while node.parent_id is not None:
            node = node.parent  # type: ignore[assignment]
        return node

    def ancestors_and_self(self) -> list["Envelope"]:
        chain = [self]
        while chain[-1].parent_id is not None:
            chain.append(chain[-1].parent)  # type: ignore[arg-type]
        return chain


class Target(BilingualName):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    axis = models.ForeignKey(
        Axis, on_delete=models.CASCADE, related_name="targets", null=True, blank=True
    )
    scheme_code = models.SlugField(max_length=100, blank=True)
    code = models.SlugField(max_length=100)
    scope = models.CharField(max_length=10, choices=TargetScope.choices)
    baseline = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_source = models.ForeignKey(
        Source, on_delete=models.RESTRICT, related_name="+", null=True, blank=True
    )
    target_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    # "Double the number of people trained": the target is the baseline times this ratio.
    target_ratio = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    target_source = models.ForeignKey(Source, on_delete=models.RESTRICT, related_name="+")
    unit_fr = models.CharField(max_length=100)
    unit_en = models.CharField(max_length=100)
    # Half-open period [period_start, period_end).
    period_start = models.DateField()
    period_end = models.DateField()
    # "total" over the period, or "per_year" (30 creations a year, 100 JEI a year...).
    frequency = models.CharField(max_length=10, default="total")
    measure = models.CharField(max_length=10, choices=TargetMeasure.choices)
    # For computed targets: the metric's name and parameters (read by the steering room).
    metric = models.JSONField(default=dict, blank=True)
    # For entered targets: who reports the figure.
    reported_by = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    quotes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["plan", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="target_code_unique"),
            models.CheckConstraint(
                condition=Q(target_value__isnull=False) | Q(target_ratio__isnull=False),
                name="target_has_value_or_ratio",
                violation_error_message=_("Un objectif a une valeur cible ou un ratio."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="target_period_not_empty",
                violation_error_message=_("La période d'un objectif ne peut pas être vide."),
            ),
        ]

    @property
    def unit(self) -> str:
        return self.unit_en if (get_language() or "fr").startswith("en") else self.unit_fr

    @property
    def years(self) -> str:
        return years_label(self.period_start, self.period_end)


class ContextFigure(BilingualName):
    """A context figure of the plan (R&D intensity, researchers, patents...), a baseline."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="context_figures")
    code = models.SlugField(max_length=100)
    value = models.DecimalField(max_digits=18, decimal_places=3)
    unit_fr = models.CharField(max_length=100)
    unit_en = models.CharField(max_length=100)
    source = models.ForeignKey(Source, on_delete=models.RESTRICT, related_name="+")
    quote = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="context_figure_code_unique")
        ]

    @property
    def unit(self) -> str:
        return self.unit_en if (get_language() or "fr").startswith("en") else self.unit_fr


class PlanRevision(models.Model):
    """One load of a plan file that changed something: who, when, which file, what changed."""

    plan = models.ForeignKey(Plan, on_delete=models.RESTRICT, related_name="revisions")
    loaded_at = models.DateTimeField(auto_now_add=True)
    actor_label = models.CharField(max_length=200)
    file_name = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64)
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["plan", "loaded_at"]


ZERO = Decimal("0.00")
