import django.db.models.functions.comparison
from django.db import migrations, models

import cainamur.lib.name_order

# The sort key of names (cainamur/lib/name_order.py): lower case, accents removed.
# unaccent() is only STABLE (its dictionary could change), so PostgreSQL refuses it in an
# index; this wrapper names the dictionary and is declared IMMUTABLE.
CREATE = """
CREATE OR REPLACE FUNCTION cai_name_key(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
"""
DROP = "DROP FUNCTION IF EXISTS cai_name_key(text);"


class Migration(migrations.Migration):
    dependencies = [("cainamur", "0005_read_log")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.AlterModelOptions(
            name="user",
            options={
                "ordering": (
                    models.OrderBy(
                        django.db.models.functions.comparison.Collate(
                            cainamur.lib.name_order.NameKey(models.F("last_name")), "C"
                        )
                    ),
                    models.OrderBy(
                        django.db.models.functions.comparison.Collate(
                            cainamur.lib.name_order.NameKey(models.F("first_name")), "C"
                        )
                    ),
                    "id",
                ),
                "verbose_name": "membre du personnel",
                "verbose_name_plural": "membres du personnel",
            },
        ),
    ]
