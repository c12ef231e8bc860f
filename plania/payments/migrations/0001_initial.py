"""The payment schedules, payment requests and payment orders move here from the awards room, rows untouched.

State only (SeparateDatabaseAndState): the tables were created by the awards room's
migrations and keep their names (`Meta.db_table = "awards_..."`); this migration tells
Django that this room now owns them. plania/awards/migrations/0005 then removes them from
the awards room's state, once every room's 0001 has run, so that `migrate` works both on
an existing database and on an empty one.
"""

import django.db.models.deletion
import django.db.models.expressions
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models



class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('awards', '0004_agendaitem_recommendation_choices'),
        ('ledger', '0005_covering_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ScheduledPayment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField()),
                        ('kind', models.CharField(choices=[('on_signature', 'Avance à la signature de la convention'), ('on_final_report', 'Solde sur rapport final')], max_length=20)),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant prévu (EUR)')),
                        ('award', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='schedule', to='awards.award')),
                    ],
                    options={
                        'db_table': 'awards_scheduledpayment',
                        'ordering': ['award', 'position'],
                    },
                ),
                migrations.CreateModel(
                    name='PaymentRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant demandé (EUR)')),
                        ('note', models.TextField(blank=True, verbose_name='commentaire')),
                        ('state', models.CharField(choices=[('requested', 'Demandé'), ('certified', 'Service fait certifié (liquidé)'), ('ordered', 'Mandaté'), ('refused', 'Refusé')], default='requested', max_length=20, verbose_name='état')),
                        ('requested_at', models.DateTimeField()),
                        ('certified_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='montant liquidé (EUR)')),
                        ('certified_at', models.DateTimeField(blank=True, null=True)),
                        ('refusal_reason', models.TextField(blank=True)),
                        ('award', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='payment_requests', to='awards.award')),
                        ('certified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('line', models.ForeignKey(null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='requests', to='payments.scheduledpayment')),
                    ],
                    options={
                        'verbose_name': 'demande de versement',
                        'verbose_name_plural': 'demandes de versement',
                        'db_table': 'awards_paymentrequest',
                        'ordering': ['requested_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Payment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(max_length=60, unique=True, verbose_name='n° de mandat')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant (EUR)')),
                        ('grant_part', models.DecimalField(decimal_places=2, max_digits=14)),
                        ('advance_part', models.DecimalField(decimal_places=2, max_digits=14)),
                        ('ordered_on', models.DateField(verbose_name='date du mandat')),
                        ('budget_year', models.PositiveSmallIntegerField(verbose_name='exercice')),
                        ('ordered_at', models.DateTimeField()),
                        ('award', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='payments', to='awards.award')),
                        ('ledger_entry', models.OneToOneField(on_delete=django.db.models.deletion.RESTRICT, related_name='award_payment', to='ledger.ledgerentry')),
                        ('ordered_by', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('request', models.OneToOneField(on_delete=django.db.models.deletion.RESTRICT, related_name='payment', to='payments.paymentrequest')),
                    ],
                    options={
                        'verbose_name': 'mandat',
                        'verbose_name_plural': 'mandats',
                        'db_table': 'awards_payment',
                        'ordering': ['ordered_on', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0), ('grant_part__gte', 0), ('advance_part__gte', 0), ('amount__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('grant_part'), '+', models.F('advance_part')), '-', models.Value(Decimal('0.005')))), ('amount__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('grant_part'), '+', models.F('advance_part')), '+', models.Value(Decimal('0.005'))))), name='awards_payment_split', violation_error_message='Un mandat est positif et se répartit entre subvention et avance.')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='scheduledpayment',
                    constraint=models.UniqueConstraint(fields=('award', 'position'), name='awards_schedule_position_unique'),
                ),
                migrations.AddConstraint(
                    model_name='scheduledpayment',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='awards_schedule_amount_positive', violation_error_message='Un versement prévu est positif.'),
                ),
                migrations.AddConstraint(
                    model_name='paymentrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='awards_request_amount_positive', violation_error_message='Le montant demandé doit être positif.'),
                ),
                migrations.AddConstraint(
                    model_name='paymentrequest',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('state__in', ['certified', 'ordered']), _negated=True), models.Q(('certified_amount__gt', 0), ('certified_amount__lte', models.F('amount')), ('certified_by__isnull', False)), _connector='OR'), name='awards_request_certified', violation_error_message="La liquidation fixe un montant positif, au plus celui demandé, et dit qui l'a certifiée."),
                ),
                migrations.AddConstraint(
                    model_name='paymentrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['requested', 'certified', 'ordered', 'refused'])), name='awards_request_state_known', violation_error_message='État de demande inconnu.'),
                ),
            ],
            database_operations=[],
        ),
    ]
