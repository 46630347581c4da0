from django.db import migrations

# unaccent() is only STABLE (its dictionary could change), so PostgreSQL refuses it in a
# generated column or an index. This wrapper names the dictionary explicitly and is
# declared IMMUTABLE, the usual way to index accent-insensitive text.
CREATE = """
CREATE OR REPLACE FUNCTION cai_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
"""
DROP = "DROP FUNCTION IF EXISTS cai_unaccent(text);"


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0003_file_list_order_index"),
        ("cainamur", "0001_extensions_and_staff_user"),
    ]
    operations = [migrations.RunSQL(CREATE, DROP)]
