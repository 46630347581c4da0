from django.db import migrations

# Files assessed before the copy existed: take it from their latest assessment.
SQL = """
UPDATE beneficiaries_beneficiary AS b
SET presentation_deadline = (
    SELECT a.presentation_deadline FROM parcours_obligationassessment AS a
    WHERE a.beneficiary_id = b.id ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1
)
WHERE b.obligation_status = 'obliged';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0006_presentation_deadline_on_file"),
        ("parcours", "0001_obligation_assessments"),
    ]
    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
