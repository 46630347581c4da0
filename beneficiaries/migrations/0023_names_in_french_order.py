import django.db.models.functions.comparison
from django.db import migrations, models

import cainamur.lib.name_order


def name_key(field: str) -> django.db.models.functions.comparison.Collate:
    return django.db.models.functions.comparison.Collate(
        cainamur.lib.name_order.NameKey(models.F(field)), "C"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0022_national_number_checked"),
        ("cainamur", "0006_names_in_french_order"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="beneficiary",
            options={
                "ordering": (
                    models.OrderBy(name_key("last_name")),
                    models.OrderBy(name_key("first_names")),
                    "id",
                ),
                "permissions": [
                    ("view_health_data", "Voir les données de santé"),
                    ("view_national_number", "Voir le numéro de registre national en entier"),
                ],
                "verbose_name": "dossier",
                "verbose_name_plural": "dossiers",
            },
        ),
        migrations.AlterModelOptions(
            name="commune",
            options={
                "ordering": [models.OrderBy(name_key("name"))],
                "verbose_name": "commune",
                "verbose_name_plural": "communes",
            },
        ),
        migrations.AlterModelOptions(
            name="cpas",
            options={
                "ordering": [models.OrderBy(name_key("name"))],
                "verbose_name": "CPAS",
                "verbose_name_plural": "CPAS",
            },
        ),
        migrations.RemoveIndex(model_name="beneficiary", name="beneficiary_office_name"),
        migrations.RemoveIndex(model_name="beneficiary", name="beneficiary_caseworker_name"),
        migrations.RemoveIndex(model_name="beneficiary", name="beneficiary_name_order"),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                name_key("last_name"),
                name_key("first_names"),
                models.F("id"),
                name="beneficiary_name_order",
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                models.F("office"),
                name_key("last_name"),
                name_key("first_names"),
                models.F("id"),
                name="beneficiary_office_name",
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                models.F("caseworker"),
                name_key("last_name"),
                name_key("first_names"),
                models.F("id"),
                name="beneficiary_caseworker_name",
            ),
        ),
    ]
