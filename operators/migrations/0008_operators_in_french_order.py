import django.db.models.functions.comparison
from django.db import migrations, models

import cainamur.lib.name_order


class Migration(migrations.Migration):
    dependencies = [
        ("cainamur", "0006_names_in_french_order"),
        ("operators", "0007_credited_periods"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="operator",
            options={
                "ordering": [
                    models.OrderBy(
                        django.db.models.functions.comparison.Collate(
                            cainamur.lib.name_order.NameKey(models.F("name")), "C"
                        )
                    )
                ],
                "verbose_name": "opérateur",
                "verbose_name_plural": "opérateurs",
            },
        ),
    ]
