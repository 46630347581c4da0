from __future__ import annotations

import csv
from importlib import import_module
from pathlib import Path

from beneficiaries.models import Commune, Cpas
from offices.models import Office

DATA = Path(__file__).resolve().parents[2] / "beneficiaries" / "data" / "communes-namur.csv"
migration = import_module("beneficiaries.migrations.0002_reference_communes")


def test_migration_data_matches_the_reference_csv() -> None:
    with DATA.open(encoding="utf-8") as handle:
        rows = [
            (row["name"], row["arrondissement"], row["postal_codes"].split())
            for row in csv.DictReader(handle)
        ]
    assert rows == migration.COMMUNES
    mapped = {name for names in migration.OFFICE_BY_COMMUNE.values() for name in names}
    assert mapped == {name for name, _, _ in rows}


def test_every_install_has_the_offices_communes_and_cpas(db: None) -> None:
    assert Office.objects.count() == 8
    assert Office.objects.get(is_main=True).name == "Namur"
    assert Commune.objects.count() == 38
    assert Cpas.objects.count() == 38
    namur = Commune.objects.get(name="Namur")
    assert "5000" in namur.postal_codes and namur.arrondissement == "Namur"
    assert namur.cpas.name == "CPAS de Namur"
    assert Commune.objects.get(postal_codes__contains=["5660"]).name == "Couvin"
    assert Cpas.objects.get(commune__name="Éghezée").name == "CPAS d'Éghezée"
    # Every office receives the inhabitants of at least one commune.
    assert set(Commune.objects.values_list("office__code", flat=True)) == set(
        Office.objects.values_list("code", flat=True)
    )
