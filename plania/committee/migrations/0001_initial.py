"""The committee sessions, direct proposals and agenda items (with their decisions) move here from the awards room, rows untouched.

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
        ('instruction', '0003_hash_chain'),
        ('plans', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CommitteeSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('held_on', models.DateField(verbose_name='date de la séance')),
                        ('title', models.CharField(max_length=200, verbose_name='intitulé')),
                        ('deliberation_prefix', models.CharField(max_length=40, verbose_name='préfixe des délibérations')),
                        ('state', models.CharField(choices=[('planned', 'Prévue'), ('held', 'Tenue')], default='planned', max_length=20, verbose_name='état')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'séance de la Commission permanente',
                        'verbose_name_plural': 'séances de la Commission permanente',
                        'db_table': 'awards_committeesession',
                        'ordering': ['-held_on', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='DirectProposal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('beneficiary_name', models.CharField(max_length=255, verbose_name='bénéficiaire')),
                        ('beneficiary_siret', models.CharField(max_length=14, verbose_name='SIRET du bénéficiaire')),
                        ('beneficiary_email', models.EmailField(blank=True, max_length=254, verbose_name='adresse e-mail du bénéficiaire')),
                        ('purpose', models.CharField(max_length=256, verbose_name='objet')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant proposé (EUR)')),
                        ('legal_basis', models.CharField(choices=[('gber_art22', 'RGEC (UE) 651/2014, art. 22 — aide aux jeunes pousses'), ('gber_art28', "RGEC (UE) 651/2014, art. 28 — aide à l'innovation des PME"), ('de_minimis', 'Règlement de minimis (UE) 2023/2831'), ('not_state_aid', "Hors aide d'État (activité non économique d'un organisme de recherche ou de formation)"), ('other', 'Autre base (précisée dans la délibération)')], max_length=20, verbose_name='base juridique')),
                        ('justification', models.TextField(blank=True, verbose_name='motivation')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='proposée le')),
                        ('envelope', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='plans.envelope', verbose_name='enveloppe')),
                        ('officer', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='instructeur')),
                    ],
                    options={
                        'verbose_name': "proposition d'attribution directe",
                        'verbose_name_plural': "propositions d'attribution directe",
                        'db_table': 'awards_directproposal',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AgendaItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveIntegerField(verbose_name="n° d'ordre")),
                        ('beneficiary_name', models.CharField(max_length=255, verbose_name='bénéficiaire')),
                        ('dossier_reference', models.CharField(blank=True, max_length=30, verbose_name='dossier')),
                        ('proposed_total', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='montant proposé (EUR)')),
                        ('proposed_grant', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='dont subvention (EUR)')),
                        ('proposed_advance', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='dont avance remboursable (EUR)')),
                        ('legal_basis', models.CharField(blank=True, choices=[('gber_art22', 'RGEC (UE) 651/2014, art. 22 — aide aux jeunes pousses'), ('gber_art28', "RGEC (UE) 651/2014, art. 28 — aide à l'innovation des PME"), ('de_minimis', 'Règlement de minimis (UE) 2023/2831'), ('not_state_aid', "Hors aide d'État (activité non économique d'un organisme de recherche ou de formation)"), ('other', 'Autre base (précisée dans la délibération)')], max_length=20, verbose_name='base juridique')),
                        ('recommendation', models.CharField(blank=True, choices=[('favourable', 'Avis favorable'), ('unfavourable', 'Avis défavorable'), ('adjourn', 'Ajournement')], max_length=20, verbose_name="avis de l'instructeur")),
                        ('outcome', models.CharField(choices=[('pending', 'À décider'), ('approved', 'Accordée'), ('rejected', 'Refusée'), ('adjourned', 'Ajournée')], default='pending', max_length=20, verbose_name='décision')),
                        ('approved_grant', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='subvention accordée (EUR)')),
                        ('approved_advance', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='avance accordée (EUR)')),
                        ('reason', models.TextField(blank=True, verbose_name='motif')),
                        ('deliberation_reference', models.CharField(blank=True, max_length=60, verbose_name='délibération')),
                        ('decided_on', models.DateField(blank=True, null=True, verbose_name='date de la délibération')),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('envelope', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='plans.envelope')),
                        ('proposal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='agenda_items', to='instruction.proposal')),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='items', to='committee.committeesession')),
                        ('direct', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='agenda_items', to='committee.directproposal')),
                    ],
                    options={
                        'verbose_name': "point de l'ordre du jour",
                        'verbose_name_plural': "points de l'ordre du jour",
                        'db_table': 'awards_agendaitem',
                        'ordering': ['session', 'position'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='committeesession',
                    constraint=models.UniqueConstraint(fields=('deliberation_prefix',), name='awards_session_prefix_unique', violation_error_message='Une séance porte déjà ce préfixe de délibération.'),
                ),
                migrations.AddConstraint(
                    model_name='committeesession',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['planned', 'held'])), name='awards_session_state_known', violation_error_message='État de séance inconnu.'),
                ),
                migrations.AddConstraint(
                    model_name='directproposal',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='awards_direct_amount_positive', violation_error_message='Le montant proposé doit être positif.'),
                ),
                migrations.AddConstraint(
                    model_name='directproposal',
                    constraint=models.CheckConstraint(condition=models.Q(('beneficiary_siret__regex', '^[0-9]{14}$')), name='awards_direct_siret_14_digits', violation_error_message='Un SIRET a 14 chiffres.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.UniqueConstraint(fields=('session', 'position'), name='awards_item_position_unique'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('proposal__isnull', False), ('direct__isnull', True)), models.Q(('proposal__isnull', True), ('direct__isnull', False)), _connector='OR'), name='awards_item_one_proposal', violation_error_message='Un point porte soit une proposition sur un dossier, soit une attribution directe.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.UniqueConstraint(condition=models.Q(('outcome', 'adjourned'), _negated=True), fields=('proposal',), name='awards_item_proposal_once', violation_error_message='Cette proposition est déjà inscrite ou décidée.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.UniqueConstraint(condition=models.Q(('outcome', 'adjourned'), _negated=True), fields=('direct',), name='awards_item_direct_once', violation_error_message='Cette proposition est déjà inscrite ou décidée.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.UniqueConstraint(condition=models.Q(('deliberation_reference', ''), _negated=True), fields=('deliberation_reference',), name='awards_item_deliberation_unique', violation_error_message='Cette référence de délibération est déjà utilisée.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.CheckConstraint(condition=models.Q(('proposed_grant__gte', 0), ('proposed_advance__gte', 0), ('proposed_total__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('proposed_grant'), '+', models.F('proposed_advance')), '-', models.Value(Decimal('0.005')))), ('proposed_total__lte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('proposed_grant'), '+', models.F('proposed_advance')), '+', models.Value(Decimal('0.005'))))), name='awards_item_proposed_split', violation_error_message="Le montant proposé est la somme de la subvention et de l'avance."),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'approved'), _negated=True), models.Q(('approved_grant__gte', 0), ('approved_advance__gte', 0), ('approved_grant__lte', models.F('proposed_grant')), ('approved_advance__lte', models.F('proposed_advance')), models.Q(('deliberation_reference', ''), _negated=True), ('decided_on__isnull', False)), _connector='OR'), name='awards_item_approved_within_proposal', violation_error_message='Une aide accordée ne dépasse jamais la proposition et porte une délibération datée.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'rejected'), _negated=True), models.Q(models.Q(('reason', ''), _negated=True), models.Q(('deliberation_reference', ''), _negated=True), ('decided_on__isnull', False)), _connector='OR'), name='awards_item_rejection_has_reason', violation_error_message='Un refus est motivé et porte une délibération datée.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['pending', 'approved', 'rejected', 'adjourned'])), name='awards_item_outcome_known', violation_error_message='Décision inconnue.'),
                ),
            ],
            database_operations=[],
        ),
    ]
