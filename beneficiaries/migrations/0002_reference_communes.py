import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "communes-namur.csv"

# The office that receives the inhabitants of each commune by default (nearest office);
# administrators can change it in the admin.
OFFICE_BY_COMMUNE = {
    "namur": ["Namur", "Assesse", "Profondeville", "Fernelmont"],
    "andenne": ["Andenne", "Ohey", "Gesves"],
    "gembloux": ["Gembloux", "Sombreffe", "La Bruyère", "Éghezée"],
    "sambreville": ["Sambreville", "Jemeppe-sur-Sambre", "Fosses-la-Ville", "Floreffe", "Mettet"],
    "ciney": ["Ciney", "Hamois", "Havelange", "Somme-Leuze", "Rochefort"],
    "dinant": ["Dinant", "Anhée", "Yvoir", "Onhaye", "Hastière", "Houyet"],
    "beauraing": ["Beauraing", "Bièvre", "Gedinne", "Vresse-sur-Semois"],
    "philippeville": [
        "Philippeville",
        "Cerfontaine",
        "Couvin",
        "Doische",
        "Florennes",
        "Viroinval",
        "Walcourt",
    ],
}
ELIDED = {"Hastière"}  # "CPAS d'Hastière" (h muet)


def cpas_name(commune: str) -> str:
    if commune[0] in "AEÉIOUY" or commune in ELIDED:
        return f"CPAS d'{commune}"
    return f"CPAS de {commune}"


def load_communes(apps, schema_editor):
    Office = apps.get_model("appointments", "Office")
    Commune = apps.get_model("beneficiaries", "Commune")
    Cpas = apps.get_model("beneficiaries", "Cpas")
    office_of = {
        commune: Office.objects.get(code=code)
        for code, communes in OFFICE_BY_COMMUNE.items()
        for commune in communes
    }
    with CSV_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {row["name"] for row in rows} ^ set(office_of)
    if missing:
        raise RuntimeError(f"Communes without an office mapping: {sorted(missing)}")
    for row in rows:
        commune, _ = Commune.objects.update_or_create(
            name=row["name"],
            defaults={
                "arrondissement": row["arrondissement"],
                "postal_codes": row["postal_codes"].split(),
                "office": office_of[row["name"]],
            },
        )
        Cpas.objects.get_or_create(commune=commune, defaults={"name": cpas_name(row["name"])})


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0001_files_and_communes"),
        ("appointments", "0002_reference_offices"),
    ]
    operations = [migrations.RunPython(load_communes, migrations.RunPython.noop)]
