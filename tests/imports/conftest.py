from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date

from bench.imports import commune_csv, commune_rows, commune_xlsx, register_number

__all__ = [
    "commune_csv",
    "commune_rows",
    "commune_xlsx",
    "hostile_xlsx",
    "register_number",
    "sample",
]


def sample(rows: int = 6, bad: int = 4, seed: int = 7) -> tuple[list[list[object]], dict[int, str]]:
    """A small real-looking list: ``bad`` bad lines of the four kinds."""
    return commune_rows(rows, bad, rng=random.Random(seed), today=date(2026, 11, 30))


def hostile_xlsx(
    *, claimed: str = "A1:XFD20000", far_cell: str = "A20000", padding: int = 0
) -> bytes:
    """A small workbook (two lines: headers and one person) edited as an attacker would:
    its ``<dimension>`` claims ``claimed``, one more cell sits at ``far_cell``, and
    ``padding`` spaces (which compress to nearly nothing) swell the sheet's XML."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nom", "Prénom"])
    sheet.append(["Haddad", "Aïcha"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    row = int(re.sub(r"[A-Z]", "", far_cell))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(
                    r'<dimension ref="[^"]*"/>', f'<dimension ref="{claimed}"/>', data.decode()
                )
                far = f'<row r="{row}"><c r="{far_cell}" t="inlineStr"><is><t>x</t></is></c></row>'
                text = text.replace("</sheetData>", " " * padding + far + "</sheetData>")
                data = text.encode()
            archive.writestr(info.filename, data)
    return out.getvalue()
