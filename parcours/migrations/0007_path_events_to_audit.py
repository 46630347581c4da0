"""The file timeline's rows move into the one audit trail (cainamur.AuditEvent), nothing
lost: time, author, text, file and path."""

from django.db import migrations


def forward(apps, schema_editor):
    PathEvent = apps.get_model("parcours", "PathEvent")
    AuditEvent = apps.get_model("cainamur", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not PathEvent.objects.exists():
        return
    parcours_type, _ = ContentType.objects.get_or_create(app_label="parcours", model="parcours")
    rows = [
        AuditEvent(
            at=event.at,
            actor_id=event.by_id,
            action="parcours.timeline",
            summary=event.message[:300],
            beneficiary_id=event.beneficiary_id,
            object_type=parcours_type if event.parcours_id else None,
            object_id=event.parcours_id,
            data={"migrated_from": "parcours.PathEvent", "id": event.pk},
        )
        for event in PathEvent.objects.order_by("id").iterator()
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("parcours", "0006_convention_pdf_state"),
        ("cainamur", "0004_audit_events"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
