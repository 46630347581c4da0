"""An orientation's steps move into the one audit trail (cainamur.AuditEvent), nothing
lost: time, author, from and to, « no place available », note."""

from django.db import migrations


def forward(apps, schema_editor):
    OrientationEvent = apps.get_model("operators", "OrientationEvent")
    Orientation = apps.get_model("operators", "Orientation")
    AuditEvent = apps.get_model("cainamur", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not OrientationEvent.objects.exists():
        return
    orientation_type, _ = ContentType.objects.get_or_create(
        app_label="operators", model="orientation"
    )
    labels = dict(Orientation._meta.get_field("status").choices)
    rows = []
    for event in OrientationEvent.objects.select_related("orientation__offer").order_by("id"):
        offer = event.orientation.offer.title
        if event.from_status:
            before = labels.get(event.from_status, event.from_status)
            after = labels.get(event.to_status, event.to_status)
            summary = f"Orientation « {offer} » : {before} → {after}"
        else:
            summary = f"Orientation proposée : « {offer} »"
        if event.no_place:
            summary += " (pas de place disponible)"
        rows.append(
            AuditEvent(
                at=event.at,
                actor_id=event.by_id,
                action="operators.orientation_step",
                summary=summary[:300],
                beneficiary_id=event.orientation.beneficiary_id,
                object_type=orientation_type,
                object_id=event.orientation_id,
                data={
                    "from": event.from_status,
                    "to": event.to_status,
                    "no_place": event.no_place,
                    "note": event.note,
                    "migrated_from": "operators.OrientationEvent",
                    "id": event.pk,
                },
            )
        )
    AuditEvent.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("operators", "0003_reporting_links"),
        ("cainamur", "0004_audit_events"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
