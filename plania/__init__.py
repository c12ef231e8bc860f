"""PlanIA."""
