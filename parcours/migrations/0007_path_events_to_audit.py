"""The file timeline's rows move into the one audit trail (cainamur.AuditEvent), nothing
lost: time, author, text, file and path."""

import re

from django.db import migrations

# Reasons typed by a person were appended to the line « (…) »; they move to data["reason"],
# shown only with the health permission (they may be health information).
WITH_REASON = (
    re.compile(r"^(Parcours : .+? → [^(]+?) \((.+)\)$", re.DOTALL),
    re.compile(r"^(Attestation \S+ révoquée) \((.+)\)$", re.DOTALL),
    re.compile(r"^(Attestation \S+ remplacée par \S+) \((.+)\)$", re.DOTALL),
)


def split_reason(message):
    for pattern in WITH_REASON:
        match = pattern.match(message)
        if match:
            return match.group(1), match.group(2)
    return message, ""


def forward(apps, schema_editor):
    PathEvent = apps.get_model("parcours", "PathEvent")
    AuditEvent = apps.get_model("cainamur", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not PathEvent.objects.exists():
        return
    parcours_type, _ = ContentType.objects.get_or_create(app_label="parcours", model="parcours")
    rows = []
    for event in PathEvent.objects.order_by("id").iterator():
        summary, reason = split_reason(event.message)
        data = {"migrated_from": "parcours.PathEvent", "id": event.pk}
        if reason:
            data["reason"] = reason
        rows.append(
            AuditEvent(
                at=event.at,
                actor_id=event.by_id,
                action="parcours.timeline",
                summary=summary[:300],
                beneficiary_id=event.beneficiary_id,
                object_type=parcours_type if event.parcours_id else None,
                object_id=event.parcours_id,
                data=data,
            )
        )
    AuditEvent.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("parcours", "0006_convention_pdf_state"),
        ("cainamur", "0004_audit_events"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
