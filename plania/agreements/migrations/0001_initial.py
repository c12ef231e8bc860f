"""The agreements and award documents move here from the awards room, rows untouched.

State only (SeparateDatabaseAndState): the tables were created by the awards room's
migrations and keep their names (`Meta.db_table = "awards_..."`); this migration tells
Django that this room now owns them. plania/awards/migrations/0005 then removes them from
the awards room's state, once every room's 0001 has run, so that `migrate` works both on
an existing database and on an empty one.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('awards', '0004_agendaitem_recommendation_choices'),
        ('payments', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Agreement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('stored_name', models.CharField(max_length=255, unique=True)),
                        ('sha256', models.CharField(max_length=64)),
                        ('size', models.PositiveIntegerField()),
                        ('generated_at', models.DateTimeField()),
                        ('signed_at', models.DateTimeField(blank=True, null=True, verbose_name='signée le')),
                        ('signer_name', models.CharField(blank=True, max_length=200, verbose_name='signataire')),
                        ('signature_method', models.CharField(blank=True, choices=[('in_app', 'Acceptation en ligne'), ('upload', 'Convention signée déposée'), ('not_required', 'Convention non obligatoire (23 000 € au plus)')], max_length=20, verbose_name='mode de signature')),
                        ('award', models.OneToOneField(on_delete=django.db.models.deletion.RESTRICT, related_name='agreement', to='awards.award')),
                        ('signed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'convention',
                        'verbose_name_plural': 'conventions',
                        'db_table': 'awards_agreement',
                    },
                ),
                migrations.CreateModel(
                    name='AwardDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('signed_agreement', 'Convention signée'), ('supporting', 'Justificatif de dépenses'), ('final_report', 'Rapport final')], max_length=30, verbose_name='nature')),
                        ('original_name', models.CharField(max_length=255, verbose_name='nom du fichier')),
                        ('stored_name', models.CharField(max_length=255, unique=True)),
                        ('content_type', models.CharField(max_length=100)),
                        ('size', models.PositiveBigIntegerField()),
                        ('sha256', models.CharField(max_length=64)),
                        ('uploaded_at', models.DateTimeField()),
                        ('award', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='documents', to='awards.award')),
                    ],
                    options={
                        'verbose_name': "document de l'aide",
                        'verbose_name_plural': 'documents des aides',
                        'db_table': 'awards_awarddocument',
                        'ordering': ['uploaded_at', 'pk'],
                    },
                ),
                migrations.AddField(
                    model_name='awarddocument',
                    name='payment_request',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='documents', to='payments.paymentrequest'),
                ),
                migrations.AddField(
                    model_name='awarddocument',
                    name='uploaded_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddField(
                    model_name='agreement',
                    name='signed_document',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='agreements.awarddocument'),
                ),
                migrations.AddConstraint(
                    model_name='awarddocument',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['signed_agreement', 'supporting', 'final_report'])), name='awards_document_kind_known', violation_error_message='Nature de document inconnue.'),
                ),
                migrations.AddConstraint(
                    model_name='agreement',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('signature_method', ''), ('signed_at__isnull', True)), models.Q(('signed_at__isnull', False), models.Q(('signature_method', ''), _negated=True), models.Q(('signer_name', ''), _negated=True)), _connector='OR'), name='awards_agreement_signature_recorded', violation_error_message='Une signature dit qui a signé, quand et comment.'),
                ),
            ],
            database_operations=[],
        ),
    ]
