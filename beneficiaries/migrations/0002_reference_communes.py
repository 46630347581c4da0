from django.db import migrations

# The data is frozen here, so that this migration does the same thing forever; a test
# checks it against beneficiaries/data/communes-namur.csv.
COMMUNES = [
    # name, arrondissement, postal codes (frozen copy of data/communes-namur.csv)
    ("Andenne", "Namur", ["5300"]),
    ("Anhée", "Dinant", ["5537"]),
    ("Assesse", "Namur", ["5330", "5332", "5333", "5334", "5336"]),
    ("Beauraing", "Dinant", ["5570", "5571", "5572", "5573", "5574", "5576"]),
    ("Bièvre", "Dinant", ["5555"]),
    ("Cerfontaine", "Philippeville", ["5630"]),
    ("Ciney", "Dinant", ["5590"]),
    ("Couvin", "Philippeville", ["5660"]),
    ("Dinant", "Dinant", ["5500", "5501", "5502", "5503", "5504"]),
    ("Doische", "Philippeville", ["5680"]),
    ("Éghezée", "Namur", ["5310"]),
    ("Fernelmont", "Namur", ["5380"]),
    ("Floreffe", "Namur", ["5150"]),
    ("Florennes", "Philippeville", ["5620", "5621"]),
    ("Fosses-la-Ville", "Namur", ["5070"]),
    ("Gedinne", "Dinant", ["5575"]),
    ("Gembloux", "Namur", ["5030", "5031", "5032"]),
    ("Gesves", "Namur", ["5340"]),
    ("Hamois", "Dinant", ["5360", "5361", "5362", "5363", "5364"]),
    ("Hastière", "Dinant", ["5540", "5541", "5542", "5543", "5544"]),
    ("Havelange", "Dinant", ["5370", "5372", "5374", "5376"]),
    ("Houyet", "Dinant", ["5560", "5561", "5562", "5563", "5564"]),
    ("Jemeppe-sur-Sambre", "Namur", ["5190"]),
    ("La Bruyère", "Namur", ["5080", "5081"]),
    ("Mettet", "Namur", ["5640", "5641", "5644", "5646"]),
    (
        "Namur",
        "Namur",
        [
            "5000",
            "5001",
            "5002",
            "5003",
            "5004",
            "5010",
            "5012",
            "5020",
            "5021",
            "5022",
            "5024",
            "5100",
            "5101",
        ],
    ),
    ("Ohey", "Namur", ["5350", "5351", "5352", "5353", "5354"]),
    ("Onhaye", "Dinant", ["5520", "5521", "5522", "5523", "5524"]),
    ("Philippeville", "Philippeville", ["5600"]),
    ("Profondeville", "Namur", ["5170"]),
    ("Rochefort", "Dinant", ["5580", "5589"]),
    ("Sambreville", "Namur", ["5060"]),
    ("Sombreffe", "Namur", ["5140"]),
    ("Somme-Leuze", "Dinant", ["5377"]),
    ("Viroinval", "Philippeville", ["5670"]),
    ("Vresse-sur-Semois", "Dinant", ["5550"]),
    ("Walcourt", "Philippeville", ["5650", "5651"]),
    ("Yvoir", "Dinant", ["5530"]),
]

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
    for name, arrondissement, postal_codes in COMMUNES:
        commune, _ = Commune.objects.update_or_create(
            name=name,
            defaults={
                "arrondissement": arrondissement,
                "postal_codes": postal_codes,
                "office": office_of[name],
            },
        )
        Cpas.objects.get_or_create(commune=commune, defaults={"name": cpas_name(name)})


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0001_files_and_communes"),
        ("appointments", "0002_reference_offices"),
    ]
    operations = [migrations.RunPython(load_communes, migrations.RunPython.noop)]
