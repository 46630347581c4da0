from datetime import date

from django.db import migrations


def create(apps, schema_editor):
    Suspension = apps.get_model("parcours", "Suspension")
    Suspension.objects.get_or_create(
        parcours=None,
        start_on=date(2020, 3, 18),
        end_on=date(2020, 4, 30),
        defaults={"reason": "Crise sanitaire (COVID-19) : délais suspendus pour tous."},
    )


class Migration(migrations.Migration):
    dependencies = [("parcours", "0003_path_convention_axes_hours")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
