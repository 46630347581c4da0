from datetime import time

from django.db import migrations


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    Office = apps.get_model("appointments", "Office")
    Permanence = apps.get_model("appointments", "Permanence")
    namur = Office.objects.filter(code="namur").first()
    if namur is not None and not Permanence.objects.exists():
        Permanence.objects.create(
            office=namur,
            theme="Insertion socioprofessionnelle — « Levons les freins ! »",
            weekday=2,  # Wednesday
            starts=time(9, 30),
            ends=time(12, 0),
        )


class Migration(migrations.Migration):
    dependencies = [("appointments", "0007_permanences")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
