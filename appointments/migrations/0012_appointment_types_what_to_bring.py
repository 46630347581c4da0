from django.db import migrations

# What the person brings, said in the confirmation and the reminder of each reference type
# (editable in the admin; a type an administrator already filled in is left alone).
BRING = {
    "welcome": (
        "Apportez votre titre de séjour (ou l'annexe reçue de la commune), votre passeport "
        "ou votre carte d'identité, et le courrier du CAI si vous en avez reçu un."
    ),
    "social_assessment": (
        "Apportez votre titre de séjour et, si vous les avez, vos diplômes, vos attestations "
        "de formation ou de travail et de cours de français."
    ),
    "rights_duties": "Apportez votre titre de séjour et de quoi écrire.",
    "evaluation": (
        "Apportez votre titre de séjour et les attestations des formations suivies "
        "(français, citoyenneté, orientation socioprofessionnelle)."
    ),
    "isp_followup": (
        "Apportez votre titre de séjour, votre CV si vous en avez un et les documents reçus "
        "du FOREm ou de vos formations."
    ),
    "other": "Apportez votre titre de séjour.",
}


def fill(apps, schema_editor):
    AppointmentType = apps.get_model("appointments", "AppointmentType")
    for code, text in BRING.items():
        AppointmentType.objects.filter(code=code, bring="").update(bring=text)


def empty(apps, schema_editor):
    AppointmentType = apps.get_model("appointments", "AppointmentType")
    for code, text in BRING.items():
        AppointmentType.objects.filter(code=code, bring=text).update(bring="")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0011_appointment_type_bring")]
    operations = [migrations.RunPython(fill, empty)]
