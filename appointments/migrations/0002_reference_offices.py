from django.db import migrations

# The eight reception offices of the CAI. Street addresses are entered by an administrator
# in the admin; every office is reached through the central phone line.
OFFICES = [
    # code, name, is_main, postal code, city
    ("namur", "Namur", True, "5000", "Namur"),
    ("andenne", "Andenne", False, "5300", "Andenne"),
    ("ciney", "Ciney", False, "5590", "Ciney"),
    ("beauraing", "Beauraing", False, "5570", "Beauraing"),
    ("sambreville", "Sambreville", False, "5060", "Sambreville"),
    ("gembloux", "Gembloux", False, "5030", "Gembloux"),
    ("philippeville", "Philippeville", False, "5600", "Philippeville"),
    ("dinant", "Dinant", False, "5500", "Dinant"),
]


def create_offices(apps, schema_editor):
    Office = apps.get_model("appointments", "Office")
    for code, name, is_main, postal_code, city in OFFICES:
        Office.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "is_main": is_main,
                "postal_code": postal_code,
                "city": city,
                "phone": "081 71 35 18",
                "email": "accompagnement@cainamur.be" if is_main else "",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_offices")]
    operations = [migrations.RunPython(create_offices, migrations.RunPython.noop)]
