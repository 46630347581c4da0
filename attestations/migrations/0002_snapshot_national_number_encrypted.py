"""Issued attestations kept the register number in clear in their snapshot: it is now
encrypted there (``national_number_encrypted``), the PDF shows it decrypted. The snapshot is
otherwise frozen: the table's triggers are off for this one rewrite."""

import json

from django.db import migrations

from cainamur.crypto import decrypt_text, encrypt_text

TABLE = "attestations_attestation"


def _rewrite(schema_editor, change):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, snapshot FROM {TABLE}")
        rows = cursor.fetchall()
        changed = []
        for pk, snapshot in rows:
            snapshot = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
            if change(snapshot):
                changed.append((pk, snapshot))
        if not changed:
            return
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        for pk, snapshot in changed:
            cursor.execute(
                f"UPDATE {TABLE} SET snapshot = %s WHERE id = %s", [json.dumps(snapshot), pk]
            )
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


def encrypt(apps, schema_editor):
    def change(snapshot):
        if "national_number" not in snapshot:
            return False
        number = snapshot.pop("national_number")
        snapshot["national_number_encrypted"] = encrypt_text(number) if number else ""
        return True

    _rewrite(schema_editor, change)


def decrypt(apps, schema_editor):
    def change(snapshot):
        if "national_number_encrypted" not in snapshot:
            return False
        token = snapshot.pop("national_number_encrypted")
        snapshot["national_number"] = decrypt_text(token) if token else ""
        return True

    _rewrite(schema_editor, change)


class Migration(migrations.Migration):
    dependencies = [("attestations", "0001_attestations")]

    operations = [migrations.RunPython(encrypt, decrypt, elidable=False)]
