"""Running totals per envelope (EnvelopeBalance), backfilled from the existing entries."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


def backfill(apps, schema_editor):
    Envelope = apps.get_model("plans", "Envelope")
    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    EnvelopeBalance = apps.get_model("ledger", "EnvelopeBalance")
    envelopes = {e.pk: e for e in Envelope.objects.all()}
    children = {}
    for env in envelopes.values():
        children.setdefault(env.parent_id, []).append(env.pk)
    own = {pk: {"allocation": 0, "commitment": 0, "decommitment": 0} for pk in envelopes}
    has_allocation = set()
    for entry in LedgerEntry.objects.filter(
        kind__in=["allocation", "commitment", "decommitment"]
    ).only("envelope_id", "kind", "amount"):
        own[entry.envelope_id][entry.kind] += int(round(entry.amount * 100))
        if entry.kind == "allocation":
            has_allocation.add(entry.envelope_id)

    def committed(pk):
        total = own[pk]["commitment"] - own[pk]["decommitment"]
        return total + sum(committed(child) for child in children.get(pk, []))

    for pk, env in envelopes.items():
        EnvelopeBalance.objects.update_or_create(
            envelope_id=pk,
            defaults={
                "constrained": env.parent_id is None
                or env.cap is not None
                or pk in has_allocation,
                "allocated_cents": own[pk]["allocation"],
                "committed_cents": committed(pk),
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_append_only_triggers"),
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="EnvelopeBalance",
            fields=[
                (
                    "envelope",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.RESTRICT,
                        primary_key=True,
                        related_name="balance",
                        serialize=False,
                        to="plans.envelope",
                    ),
                ),
                ("constrained", models.BooleanField()),
                ("allocated_cents", models.BigIntegerField(default=0)),
                ("committed_cents", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=Q(("constrained", False))
                        | Q(("committed_cents__lte", models.F("allocated_cents"))),
                        name="envelope_never_overcommitted",
                        violation_error_message="Une enveloppe ne peut pas être engagée au-delà de ses crédits.",
                    ),
                    models.CheckConstraint(
                        condition=Q(("committed_cents__gte", 0)),
                        name="envelope_committed_not_negative",
                        violation_error_message="Le montant engagé ne peut pas être négatif.",
                    ),
                ]
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
