from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("attestations", "0002_snapshot_national_number_encrypted")]

    operations = [
        migrations.AlterField(
            model_name="attestation",
            name="kind",
            field=models.CharField(
                choices=[("obliged", "Obligatoire"), ("voluntary", "Volontaire")],
                max_length=10,
                verbose_name="régime du parcours",
            ),
        ),
    ]
