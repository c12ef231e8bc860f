"""Issue 13 items 7 and 9: the matched form of every address (User.email_key) and the
scope and revocation reason of API tokens.

Existing addresses get their key here; if two accounts' addresses have one key (a
look-alike account made before the rule), the oldest account keeps it and the others get
the key followed by " #<id>", which no typed address matches (an address has no space):
they cannot log in by address until an administrator changes one of them. Existing tokens
were able to write: they keep the "read-write" scope; new ones default to "read".
"""

import unicodedata

from django.db import migrations, models


def _key(address):
    return unicodedata.normalize("NFKC", (address or "").strip()).casefold()


def fill_email_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen = set()
    for user in User.objects.order_by("pk").only("pk", "email"):
        key = _key(user.email)
        if key in seen:
            key = f"{key} #{user.pk}"
        seen.add(key)
        User.objects.filter(pk=user.pk).update(email_key=key)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_email_verification_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(
                editable=False, max_length=254, null=True, verbose_name="clé de l'adresse e-mail"
            ),
        ),
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="email_key",
            field=models.CharField(
                editable=False, max_length=254, unique=True, verbose_name="clé de l'adresse e-mail"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "lecture seule"), ("read-write", "lecture et écriture")],
                default="read-write",
                max_length=10,
                verbose_name="portée",
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "lecture seule"), ("read-write", "lecture et écriture")],
                default="read",
                max_length=10,
                verbose_name="portée",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_reason",
            field=models.CharField(
                blank=True, max_length=20, verbose_name="motif de la révocation"
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("scope__in", ["read", "read-write"])),
                name="accounts_apitoken_scope_known",
                violation_error_message="Portée de jeton inconnue.",
            ),
        ),
    ]
