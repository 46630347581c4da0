from datetime import time

from django.db import migrations

# Appointment types: code, name, minutes, roles that hold them, group, places, needs a room.
TYPES = [
    ("welcome", "Module d'accueil", 60, ["accompagnement"], False, None, True),
    ("social_assessment", "Bilan social", 60, ["accompagnement"], False, None, True),
    ("rights_duties", "Séance droits et devoirs", 120, ["accompagnement"], True, 12, True),
    ("evaluation", "Entretien d'évaluation", 45, ["accompagnement"], False, None, True),
    (
        "isp_followup",
        "Suivi ISP (insertion socioprofessionnelle)",
        45,
        ["accompagnement"],
        False,
        None,
        True,
    ),
    (
        "other",
        "Autre rendez-vous",
        30,
        ["accueil", "accompagnement", "coordination"],
        False,
        None,
        True,
    ),
]

MORNING = (time(9, 0), time(12, 30))
AFTERNOON = (time(13, 30), time(16, 30))
# Reception by appointment: the main office every weekday, each decentralised office on
# its day (to be checked and adjusted by an administrator in the admin).
RECEPTION_DAYS = {
    "namur": [0, 1, 2, 3, 4],
    "andenne": [1],
    "ciney": [3],
    "beauraing": [4],
    "sambreville": [0],
    "gembloux": [2],
    "philippeville": [3],
    "dinant": [1],
}
ROOMS = {
    "namur": [("Bureau 1", 2), ("Bureau 2", 2), ("Bureau 3", 2), ("Salle de réunion", 14)],
}
DEFAULT_ROOMS = [("Bureau d'accueil", 2), ("Salle polyvalente", 12)]


def load(apps, schema_editor):
    Office = apps.get_model("appointments", "Office")
    OpeningHours = apps.get_model("appointments", "OpeningHours")
    Room = apps.get_model("appointments", "Room")
    AppointmentType = apps.get_model("appointments", "AppointmentType")
    for code, name, minutes, roles, group, places, room in TYPES:
        AppointmentType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "duration_minutes": minutes,
                "roles": roles,
                "is_group": group,
                "capacity": places,
                "needs_room": room,
            },
        )
    for office in Office.objects.all():
        if not OpeningHours.objects.filter(office=office).exists():
            for day in RECEPTION_DAYS.get(office.code, []):
                for opens, closes in (MORNING, AFTERNOON):
                    OpeningHours.objects.create(
                        office=office, kind="reception", weekday=day, opens=opens, closes=closes
                    )
            for day in range(5):  # the central phone line, 9:00-16:00
                OpeningHours.objects.create(
                    office=office, kind="phone", weekday=day, opens=time(9), closes=time(16)
                )
        for name, capacity in ROOMS.get(office.code, DEFAULT_ROOMS):
            Room.objects.get_or_create(office=office, name=name, defaults={"capacity": capacity})


class Migration(migrations.Migration):
    dependencies = [("appointments", "0003_calendars_and_appointments")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
