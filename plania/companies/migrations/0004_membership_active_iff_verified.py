from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("companies", "0003_demote_unverified_memberships")]

    operations = [
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'active'), models.Q(('verified_via', ''), _negated=True)), models.Q(('status', 'pending'), ('verified_via', '')), _connector='OR'), name='membership_active_iff_verified', violation_error_message="Un représentant actif a été vérifié (ProConnect, pouvoir ou invitation) ; une demande en attente ne l'est pas."),
        ),
    ]
