"""The retention periods the centre starts with (administrators change them)."""

from django.db import migrations

DEFAULTS = {
    "closed_file": 120,
    "unfollowed_file": 12,
    "appointment": 24,
    "callback": 24,
    "ticket": 24,
    "read_log": 60,
}


def add(apps, schema_editor):
    Rule = apps.get_model("rights", "RetentionRule")
    for record_type, months in DEFAULTS.items():
        Rule.objects.get_or_create(record_type=record_type, defaults={"months": months})


class Migration(migrations.Migration):
    dependencies = [("rights", "0001_rights")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
