"""Memberships made active by being first (before verified representatives) were never
verified: each becomes a pending request again (a member's request, not an owner's), so
that its person keeps their own drafts and asks to be verified (ProConnect, a mandate, an
invitation). Idempotent: rows already verified (verified_via set) are left alone."""

from django.db import migrations


def demote_unverified(apps, schema_editor):
    Membership = apps.get_model("companies", "Membership")
    Membership.objects.filter(status="active", verified_via="").update(
        status="pending", role="member", approved_at=None, approved_by=None
    )


class Migration(migrations.Migration):
    dependencies = [("companies", "0002_representatives")]

    operations = [migrations.RunPython(demote_unverified, migrations.RunPython.noop)]
