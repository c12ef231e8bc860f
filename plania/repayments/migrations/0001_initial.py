"""The instalments, bank statement imports and lines, repayments and failure findings move here from the awards room, rows untouched.

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
                    name='BankStatementImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file_name', models.CharField(max_length=255)),
                        ('sha256', models.CharField(max_length=64)),
                        ('imported_at', models.DateTimeField()),
                        ('lines_read', models.PositiveIntegerField(default=0)),
                        ('matched', models.PositiveIntegerField(default=0)),
                        ('duplicates', models.PositiveIntegerField(default=0)),
                        ('unmatched', models.PositiveIntegerField(default=0)),
                        ('refused', models.PositiveIntegerField(default=0)),
                        ('imported_by', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'import de relevé bancaire',
                        'verbose_name_plural': 'imports de relevés bancaires',
                        'db_table': 'awards_bankstatementimport',
                        'ordering': ['-imported_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='BankStatementLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line_number', models.PositiveIntegerField()),
                        ('value_date', models.DateField(blank=True, null=True)),
                        ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                        ('reference', models.CharField(blank=True, max_length=200)),
                        ('label', models.CharField(blank=True, max_length=300)),
                        ('line_hash', models.CharField(max_length=64)),
                        ('status', models.CharField(choices=[('matched', 'Rapproché'), ('duplicate', 'Déjà importé'), ('unmatched', 'Non rapproché'), ('refused', 'Refusé')], max_length=20)),
                        ('message', models.TextField(blank=True)),
                        ('statement', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='lines', to='repayments.bankstatementimport')),
                    ],
                    options={
                        'db_table': 'awards_bankstatementline',
                        'ordering': ['statement', 'line_number'],
                    },
                ),
                migrations.CreateModel(
                    name='FailureFinding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('found_on', models.DateField(verbose_name='date du constat')),
                        ('reason', models.TextField(verbose_name='motif')),
                        ('advance_paid', models.DecimalField(decimal_places=2, max_digits=14)),
                        ('repaid_before', models.DecimalField(decimal_places=2, max_digits=14)),
                        ('remaining_before', models.DecimalField(decimal_places=2, max_digits=14)),
                        ('forgiveness_share', models.DecimalField(decimal_places=4, max_digits=5)),
                        ('forgiven', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant abandonné (EUR)')),
                        ('still_due', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='reste dû (EUR)')),
                        ('arrears', models.DecimalField(decimal_places=2, max_digits=14)),
                        ('decided_at', models.DateTimeField()),
                        ('award', models.OneToOneField(on_delete=django.db.models.deletion.RESTRICT, related_name='failure', to='awards.award')),
                        ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('decommitment', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='failure_finding', to='ledger.ledgerentry')),
                    ],
                    options={
                        'verbose_name': "constat d'échec",
                        'verbose_name_plural': "constats d'échec",
                        'db_table': 'awards_failurefinding',
                    },
                ),
                migrations.CreateModel(
                    name='Instalment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveSmallIntegerField()),
                        ('due_on', models.DateField(verbose_name='échéance')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant (EUR)')),
                        ('reference', models.CharField(max_length=60, verbose_name='référence de paiement')),
                        ('superseded', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('award', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='instalments', to='awards.award')),
                    ],
                    options={
                        'verbose_name': 'échéance',
                        'verbose_name_plural': 'échéancier',
                        'db_table': 'awards_instalment',
                        'ordering': ['award', 'due_on', 'number', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Repayment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant (EUR)')),
                        ('received_on', models.DateField(verbose_name='reçu le')),
                        ('reference', models.CharField(max_length=200, verbose_name='référence')),
                        ('source', models.CharField(choices=[('manual', 'Saisi'), ('bank_statement', 'Relevé bancaire')], max_length=20)),
                        ('recorded_at', models.DateTimeField()),
                        ('award', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='repayments', to='awards.award')),
                        ('instalment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='repayments', to='repayments.instalment')),
                        ('ledger_entry', models.OneToOneField(on_delete=django.db.models.deletion.RESTRICT, related_name='award_repayment', to='ledger.ledgerentry')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('statement_line', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='repayment', to='repayments.bankstatementline')),
                    ],
                    options={
                        'verbose_name': 'remboursement',
                        'verbose_name_plural': 'remboursements',
                        'db_table': 'awards_repayment',
                        'ordering': ['received_on', 'pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='bankstatementline',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'matched')), fields=('line_hash',), name='awards_statement_line_once', violation_error_message='Cette ligne de relevé a déjà été importée.'),
                ),
                migrations.AddConstraint(
                    model_name='failurefinding',
                    constraint=models.CheckConstraint(condition=models.Q(('remaining_before__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('forgiven'), '+', models.F('still_due')), '-', models.Value(Decimal('0.005')))), ('remaining_before__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('forgiven'), '+', models.F('still_due')), '+', models.Value(Decimal('0.005')))), ('forgiven__gte', 0), ('still_due__gte', 0)), name='awards_failure_split', violation_error_message='Le reste avant constat = abandon + reste dû.'),
                ),
                migrations.AddConstraint(
                    model_name='instalment',
                    constraint=models.UniqueConstraint(condition=models.Q(('superseded', False)), fields=('reference',), name='awards_instalment_reference_unique'),
                ),
                migrations.AddConstraint(
                    model_name='instalment',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='awards_instalment_amount_positive', violation_error_message='Une échéance est positive.'),
                ),
                migrations.AddConstraint(
                    model_name='repayment',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='awards_repayment_amount_positive', violation_error_message='Un remboursement est positif.'),
                ),
            ],
            database_operations=[],
        ),
    ]
