from django.db.models import Prefetch, QuerySet

from plania.plans.models import Axis, Envelope, Plan, Target


def plan_with_structure() -> QuerySet[Plan]:
    """Plans with axes, envelopes, targets, context figures and sources prefetched."""
    return Plan.objects.select_related("budget_source", "adoption_source").prefetch_related(
        Prefetch("axes", queryset=Axis.objects.select_related("budget_source")),
        Prefetch(
            "envelopes",
            queryset=Envelope.objects.select_related("cap_source", "floor_source", "axis"),
        ),
        Prefetch(
            "targets",
            queryset=Target.objects.select_related("baseline_source", "target_source", "axis"),
        ),
        "context_figures__source",
        "sources",
        "programmes",
    )


def main_plan() -> Plan | None:
    """The plan shown on the home page: the most recent of kind "plan"."""
    return plan_with_structure().filter(kind="plan").order_by("-start_date").first()
