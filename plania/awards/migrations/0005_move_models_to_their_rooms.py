"""Committee sessions, agreements, payments and repayments leave the awards room for
their own rooms (plania/committee, plania/agreements, plania/payments,
plania/repayments), rows untouched.

State only: each table keeps its name (`Meta.db_table = "awards_..."`), its rows, its
constraints and its indexes; no SQL runs but the content types' update below. Each new
room's 0001 first adds the models to its own state (on the same tables); this migration
then points the award's and its history's foreign keys at them and removes the awards
room's copies, referencing models first.

The content types (and so the permissions and the admin's log entries that refer to
them) follow the models to their new room instead of being left stale.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = {
    "committee": ("committeesession", "directproposal", "agendaitem"),
    "agreements": ("agreement", "awarddocument"),
    "payments": ("scheduledpayment", "paymentrequest", "payment"),
    "repayments": (
        "instalment",
        "bankstatementimport",
        "bankstatementline",
        "repayment",
        "failurefinding",
    ),
}


def _relabel(apps, old_of, new_of):
    content_type = apps.get_model("contenttypes", "ContentType")
    for room, models_ in MOVED.items():
        for model in models_:
            old, new = old_of(room), new_of(room)
            if content_type.objects.filter(app_label=new, model=model).exists():
                continue  # post_migrate already made the new one: leave the old one be
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_forward(apps, schema_editor):
    _relabel(apps, lambda room: "awards", lambda room: room)


def content_types_backward(apps, schema_editor):
    _relabel(apps, lambda room: room, lambda room: "awards")


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0004_agendaitem_recommendation_choices"),
        ("agreements", "0001_initial"),
        ("committee", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("payments", "0001_initial"),
        ("repayments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="award",
                    name="item",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="award",
                        to="committee.agendaitem",
                    ),
                ),
                migrations.AlterField(
                    model_name="award",
                    name="direct",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="award",
                        to="committee.directproposal",
                    ),
                ),
                migrations.AlterField(
                    model_name="awardevent",
                    name="session",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="events",
                        to="committee.committeesession",
                    ),
                ),
                migrations.AlterField(
                    model_name="awardevent",
                    name="item",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="events",
                        to="committee.agendaitem",
                    ),
                ),
                migrations.AlterField(
                    model_name="awardevent",
                    name="payment_request",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="events",
                        to="payments.paymentrequest",
                    ),
                ),
                # Referencing models first: no state ever points at a removed model.
                migrations.DeleteModel(name="Repayment"),
                migrations.DeleteModel(name="FailureFinding"),
                migrations.DeleteModel(name="BankStatementLine"),
                migrations.DeleteModel(name="BankStatementImport"),
                migrations.DeleteModel(name="Instalment"),
                migrations.DeleteModel(name="Agreement"),
                migrations.DeleteModel(name="AwardDocument"),
                migrations.DeleteModel(name="Payment"),
                migrations.DeleteModel(name="PaymentRequest"),
                migrations.DeleteModel(name="ScheduledPayment"),
                migrations.DeleteModel(name="AgendaItem"),
                migrations.DeleteModel(name="CommitteeSession"),
                migrations.DeleteModel(name="DirectProposal"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
