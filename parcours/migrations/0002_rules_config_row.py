from datetime import date

from django.db import migrations


def create_config(apps, schema_editor):
    RulesConfig = apps.get_model("parcours", "RulesConfig")
    RulesConfig.objects.get_or_create(
        id=1,
        defaults={"regime_2024_start": date(2025, 1, 1), "standstill_nationalities": ["TR"]},
    )


class Migration(migrations.Migration):
    dependencies = [("parcours", "0001_obligation_assessments")]
    operations = [migrations.RunPython(create_config, migrations.RunPython.noop)]
